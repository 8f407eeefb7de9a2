/* Petits comportements communs, sans script en ligne (la politique de sécurité du contenu les interdit) :
   - [data-soumettre-au-changement] : une liste qui envoie son formulaire dès qu'on la change ;
   - form[data-confirmer] : demande confirmation avant l'envoi (le message est dans l'attribut) ;
   - [data-couleur] : pastille de couleur d'un thème (une couleur #rrggbb vérifiée à l'enregistrement) ;
   - tableaux larges : chacun dans une boîte qui défile (.defilement), atteignable au clavier quand elle
     défile vraiment (tabindex, rôle « region », nom tiré de la légende ou du titre qui précède) ;
   - menu du téléphone : replié derrière le bouton « Menu » (aria-expanded), Échap le referme. */
(function () {
  "use strict";
  document.querySelectorAll("[data-soumettre-au-changement]").forEach(function (liste) {
    liste.addEventListener("change", function () { liste.form.requestSubmit ? liste.form.requestSubmit() : liste.form.submit(); });
  });
  document.querySelectorAll("form[data-confirmer]").forEach(function (form) {
    form.addEventListener("submit", function (ev) { if (!window.confirm(form.dataset.confirmer)) ev.preventDefault(); });
  });
  document.querySelectorAll("[data-couleur]").forEach(function (el) {
    if (/^#[0-9a-fA-F]{6}$/.test(el.dataset.couleur)) el.style.backgroundColor = el.dataset.couleur;
  });

  function nomDuTableau(boite) {
    var legende = boite.querySelector("caption");
    if (legende && legende.textContent.trim()) return legende.textContent.trim();
    var cadre = boite.closest("figure, section, .carte");
    var titre = cadre && cadre.querySelector("h1, h2, h3, h4");
    if (!titre) {
      for (var el = boite.previousElementSibling; el && !titre; el = el.previousElementSibling) {
        if (/^H[1-4]$/.test(el.tagName)) titre = el;
      }
    }
    return titre ? titre.textContent.trim() : document.title.split(" · ")[0];
  }
  var boites = [];
  document.querySelectorAll("table.tableau").forEach(function (table) {
    var boite = table.parentElement;
    if (!boite.classList.contains("defilement")) {
      boite = document.createElement("div");
      boite.className = "defilement";
      table.parentNode.insertBefore(boite, table);
      boite.appendChild(table);
    }
    boites.push(boite);
  });
  function accessibiliserLesBoites() {
    boites.forEach(function (boite) {
      if (boite.scrollWidth > boite.clientWidth + 1) {
        boite.tabIndex = 0;
        boite.setAttribute("role", "region");
        boite.setAttribute("aria-label", "Tableau défilant : " + nomDuTableau(boite));
      } else {
        boite.removeAttribute("tabindex");
        boite.removeAttribute("role");
        boite.removeAttribute("aria-label");
      }
    });
  }
  accessibiliserLesBoites();
  window.addEventListener("resize", accessibiliserLesBoites);
  window.addEventListener("load", accessibiliserLesBoites);  // images chargées : les largeurs ont pu changer

  var bouton = document.querySelector(".bouton-menu");
  var bandeau = bouton && bouton.closest(".bandeau");
  if (bandeau) {
    var ouvrir = function (ouvert) {
      bandeau.classList.toggle("ouvert", ouvert);
      bouton.setAttribute("aria-expanded", ouvert ? "true" : "false");
    };
    bandeau.classList.add("menu-pliable");
    bouton.hidden = false;
    bouton.addEventListener("click", function () { ouvrir(!bandeau.classList.contains("ouvert")); });
    bandeau.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && bandeau.classList.contains("ouvert")) { ouvrir(false); bouton.focus(); }
    });
  }
})();
