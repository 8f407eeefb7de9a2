/* Petits comportements communs, sans script en ligne (la politique de sécurité du contenu les interdit) :
   - [data-soumettre-au-changement] : une liste qui envoie son formulaire dès qu'on la change ;
   - form[data-confirmer] : demande confirmation avant l'envoi (le message est dans l'attribut) ;
   - [data-couleur] : pastille de couleur d'un thème (une couleur #rrggbb vérifiée à l'enregistrement). */
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
})();
