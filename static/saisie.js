/* Écrans de saisie de terrain (nouvelle parole, post-its), sans framework.

   Enregistrer = déposer la parole dans la file de l'appareil (boite.js), puis vider le formulaire
   tout de suite pour la personne suivante : le réseau ne regarde que la file, jamais le formulaire.
   Amélioration progressive : sans JavaScript, le formulaire est posté normalement. */
(function () {
  "use strict";
  var form = document.getElementById("form-saisie");
  var Boite = window.ParoleBoite;
  if (!form || !Boite || !window.fetch) return;

  var temps = Number(form.dataset.temps);
  var ecran = form.dataset.ecran;
  var estPostits = ecran === "postits";
  var texte = document.getElementById("texte");
  var compteur = document.getElementById("compteur");
  var attente = document.getElementById("file-attente");
  var confirmation = document.getElementById("confirmation");
  var champUuid = form.querySelector('[name="client_uuid"]');
  var description = JSON.parse(document.getElementById("temps-terrain").textContent);
  var compteurServeur = description.compteur;
  var sansFile = false;          // l'appareil ne peut rien garder : on attend le serveur avant de vider
  var navigationInterne = false;

  // Une page rouverte depuis le cache porte un identifiant déjà utilisé : on en prend toujours un neuf.
  champUuid.value = Boite.uuid();
  texte.focus();

  function dire(message, categorie) {
    confirmation.textContent = message;
    confirmation.className = "confirmation " + (categorie || "");
    confirmation.setAttribute("role", categorie === "erreur" ? "alert" : "status");
  }

  // Les champs d'une parole, tels que les déclare le registre du serveur (collecte/modele/champs.py) ;
  // la nature vient d'un champ caché (« postit » sur l'écran des post-its).
  var CHAMPS = JSON.parse(document.getElementById("champs-parole").textContent);
  function lireFormulaire() {
    var d = new FormData(form), donnees = {};
    CHAMPS.forEach(function (c) {
      if (c.sorte === "themes") donnees[c.nom] = d.getAll(c.nom);
      else if (c.sorte === "drapeau") donnees[c.nom] = d.get(c.nom) === "1";
      else donnees[c.nom] = d.get(c.nom) || c.defaut;
    });
    return { client_uuid: champUuid.value, temps: temps, ecran: ecran, donnees: donnees };
  }

  // La question reste choisie (le panneau ne change pas) ; le reste repart de zéro : chaque passant·e
  // est une autre personne.
  function reinitialiser() {
    var question = form.querySelector('[name="question"]:checked, select[name="question"], input[type="hidden"][name="question"]');
    var garde = question ? question.value : null;
    form.reset();
    form.querySelectorAll(".suggeree").forEach(function (el) { el.classList.remove("suggeree"); });
    var aide = document.getElementById("aide-suggestions");
    if (aide) aide.hidden = true;
    if (garde !== null) {
      var el = form.querySelector('[name="question"][value="' + CSS.escape(garde) + '"]') || form.querySelector('select[name="question"]');
      if (el && el.tagName === "SELECT") el.value = garde; else if (el && el.type === "radio") el.checked = true;
    }
    texte.value = "";
    champUuid.value = Boite.uuid();
    texte.focus();
  }

  // Compteur du temps = paroles déjà sur le serveur + paroles de ce temps encore sur l'appareil.
  function afficherCompteurs() {
    var ici = Boite.etat.parTemps[temps] || { paroles: 0, annulations: 0 };
    var total = Math.max(0, compteurServeur + ici.paroles - ici.annulations);
    compteur.textContent = String(total);
    var enFile = ici.paroles;
    attente.hidden = enFile === 0 && !Boite.etat.aCorriger;
    var morceaux = [];
    if (enFile) morceaux.push(enFile + " sur l'appareil");
    if (Boite.etat.aCorriger) morceaux.push(Boite.etat.aCorriger + " à corriger");
    attente.textContent = morceaux.join(" · ");
    attente.classList.toggle("a-corriger", Boite.etat.aCorriger > 0);
  }

  function rafraichirCompteurServeur() {
    return Boite.lireTemps(temps).then(function (fiche) {
      if (fiche && typeof fiche.compteur === "number") compteurServeur = fiche.compteur;
      afficherCompteurs();
    }, afficherCompteurs);
  }

  var ETATS = { attente: "sur l'appareil", envoyee: "envoyée", a_corriger: "à corriger", annulee: "annulée" };
  function afficherRecentes() {
    var liste = document.getElementById(estPostits ? "liste-postits" : "liste-recentes");
    if (!liste) return Promise.resolve();
    return Boite.lister().then(function (r) {
      var miennes = r.historique.filter(function (h) { return h.temps === temps && h.etat !== "annulee"; }).slice(0, estPostits ? 30 : 5);
      liste.querySelectorAll("li[data-local]").forEach(function (li) { li.remove(); });
      miennes.slice().reverse().forEach(function (h) {
        var li = document.createElement("li");
        li.dataset.local = h.client_uuid;
        li.className = "texte-libre";
        var t = document.createElement("span"); t.textContent = h.extrait;
        var e = document.createElement("span"); e.className = "etat-parole " + h.etat; e.textContent = ETATS[h.etat] || h.etat;
        li.append(t, " ", e);
        // Côté post-its, la liste du serveur montre déjà ce qui est envoyé : on retire le doublon.
        if (estPostits) liste.querySelectorAll("li:not([data-local])").forEach(function (ancien) {
          if (h.etat === "envoyee" && ancien.textContent === h.extrait) ancien.remove();
        });
        liste.prepend(li);
      });
      var section = liste.closest("section");
      if (section && !estPostits) section.hidden = miennes.length === 0;
      var vide = document.getElementById("aucun-postit");
      if (vide && miennes.length) vide.remove();
    }, function () {});
  }

  function rafraichir() { rafraichirCompteurServeur(); afficherRecentes(); }
  Boite.surChangement(function (etat) {
    afficherCompteurs();
    if (etat.raison !== "envoi") rafraichir();
  });

  function enregistrerDirect(parole) {
    dire("Envoi au serveur… (cet appareil ne peut pas garder les paroles)", "attente");
    return Boite.envoyerDirect(parole).then(function (r) {
      if (r.statut === "creee" || r.statut === "deja_enregistree") {
        dire((estPostits ? "Post-it enregistré : « " : "Parole enregistrée : « ") + Boite.extrait(parole.donnees.texte, 60) + " »", "succes");
        rafraichirCompteurServeur();
        reinitialiser();
      } else if (r.code === 401) {
        dire("Votre session a expiré : reconnectez-vous. Le texte saisi reste dans le champ.", "erreur");
      } else {
        dire((r.erreur || "Refusée par le serveur.") + " Le texte saisi reste dans le champ.", "erreur");
      }
    }, function () {
      dire("Pas de réseau, et cet appareil ne peut pas garder la parole (navigation privée ou mémoire pleine) : " +
           "elle reste dans le champ. Réessayez quand le réseau revient.", "erreur");
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var parole = lireFormulaire();
    if (!parole.donnees.texte.trim()) { dire("Le texte est vide : écrivez au moins un mot.", "erreur"); texte.focus(); return; }
    if (sansFile) { enregistrerDirect(parole); return; }
    Boite.deposer(parole).then(function () {
      dire((estPostits ? "Post-it gardé sur l'appareil : « " : "Gardée sur l'appareil : « ") + Boite.extrait(parole.donnees.texte, 60) + " »", "succes");
      reinitialiser();
      rafraichir();
    }, function (erreur) {
      // Stockage plein ou refusé : rien n'est vidé ; on tente l'envoi direct.
      var plein = erreur && (erreur.name === "QuotaExceededError" || /quota/i.test(String(erreur.message)));
      dire(plein ? "La mémoire de l'appareil est pleine : la parole n'a pas pu y être gardée. Envoi direct au serveur…"
                 : "Cet appareil refuse de garder la parole. Envoi direct au serveur…", "erreur");
      enregistrerDirect(parole);
    });
  });

  if (estPostits) {
    texte.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); form.requestSubmit(); }
    });
  }

  // Annuler la dernière saisie de cet appareil pour ce temps ; sans historique local, le serveur
  // annule la dernière parole de ce compte (formulaire classique).
  var annuler = document.getElementById("form-annuler");
  if (annuler) annuler.addEventListener("submit", function (ev) {
    if (sansFile) return;
    ev.preventDefault();
    Boite.annulerDerniere(temps).then(function (r) {
      if (!r) {
        if (navigator.onLine) { navigationInterne = true; annuler.submit(); return; }
        dire("Rien à annuler sur cet appareil pour ce temps.", "info");
        return;
      }
      dire("Dernière saisie annulée : « " + Boite.extrait(r.extrait, 60) + " »" +
           (r.serveur ? (r.etaitEnvoyee ? " (elle est retirée du serveur)" : " (le serveur en sera averti)") : ""), "info");
      rafraichir();
      texte.focus();
    }, function () { navigationInterne = true; annuler.submit(); });
  });

  // Quitter ou recharger avec un texte tapé ou des paroles pas encore envoyées : on prévient.
  document.addEventListener("click", function (ev) {
    var lien = ev.target.closest && ev.target.closest("a[href]");
    if (lien && lien.origin === location.origin) navigationInterne = true;
  }, true);
  window.addEventListener("beforeunload", function (ev) {
    var enFile = Boite.etat.attente + Boite.etat.annulations;
    if (navigationInterne) { navigationInterne = false; if (!texte.value.trim()) return; }
    if (!texte.value.trim() && !enFile) return;
    ev.preventDefault();
    ev.returnValue = "";
  });

  // Suggestions de thèmes : facultatives ; une panne ou l'absence de réseau ne gêne jamais la saisie.
  // Une réponse ne vaut que pour le texte qu'elle a lu : arrivée après une autre frappe ou après
  // l'enregistrement (champ vidé pour la personne suivante), elle est ignorée.
  var urlSuggestions = form.dataset.suggestions, minuterie = null, demande = 0;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  function montrerSuggestions(suggestions) {
    form.querySelectorAll(".suggeree").forEach(function (el) { el.classList.remove("suggeree"); });
    suggestions.forEach(function (s) {
      var puce = form.querySelector('.puce[data-theme="' + CSS.escape(s.theme) + '"]');
      if (!puce) return;
      puce.classList.add("suggeree");
      var replie = puce.closest("details:not([open])");  // « Autres thèmes » fermé : le dire sur son titre
      if (replie) replie.querySelector("summary").classList.add("suggeree");
    });
    var aide = document.getElementById("aide-suggestions");
    if (aide) aide.hidden = !suggestions.length;
  }
  if (urlSuggestions) texte.addEventListener("input", function () {
    clearTimeout(minuterie);
    var numero = ++demande;
    if (texte.value.trim().length < 12) { montrerSuggestions([]); return; }
    minuterie = setTimeout(function () {
      if (navigator.onLine === false) return;
      var lu = texte.value;
      fetch(urlSuggestions, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ texte: lu, demarche: form.dataset.demarche })
      }).then(function (r) { return r.ok ? r.json() : { suggestions: [] }; }).then(function (corps) {
        if (numero !== demande || texte.value !== lu) return;
        montrerSuggestions(corps.suggestions || []);
      }).catch(function () {});
    }, 600);
  });

  // Ce temps est désormais sur l'appareil : sa fiche (thèmes, questions) et ses écrans, pour rouvrir
  // sans réseau et corriger une parole refusée.
  Boite.base().then(function () {
    return Boite.enregistrerTemps(description).then(function (fiche) {
      compteurServeur = fiche.compteur;
      rafraichir();
      if (navigator.onLine !== false) Boite.garderEcrans(fiche);
    });
  }, function () {
    sansFile = true;
    dire("Cet appareil ne peut pas garder les paroles hors ligne (navigation privée ?) : chaque parole reste dans le champ " +
         "jusqu'à ce que le serveur l'ait enregistrée.", "avertissement");
    afficherCompteurs();
  });
})();
