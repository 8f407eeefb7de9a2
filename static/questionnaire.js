// Questionnaire public : enregistre le brouillon sur le serveur pendant la saisie (au plus toutes
// les 5 secondes, en quittant un champ, et en quittant la page), et place le focus sur le résumé
// des erreurs. `data-etat` du formulaire vaut « enregistre » quand tout ce qui est tapé est sur le serveur.
(function () {
  "use strict";
  var resume = document.getElementById("resume-erreurs");
  if (resume) { resume.focus(); }

  var formulaire = document.querySelector("form.questionnaire[data-brouillon]");
  if (!formulaire || !window.fetch || !window.FormData) { return; }
  var etat = document.getElementById("etat-brouillon");
  var minuterie = null, enCours = false, aRefaire = false, modifications = 0, enregistrees = 0, envoi = false, DELAI = 5000;

  function annoncer(texte) { if (etat) { etat.textContent = texte; } }
  function marquer() { formulaire.dataset.etat = enregistrees === modifications ? "enregistre" : "modifie"; }

  function donnees() {
    var corps = new FormData(formulaire);
    corps.delete("action");
    return corps;
  }

  function enregistrer() {
    if (minuterie) { window.clearTimeout(minuterie); minuterie = null; }
    if (enCours) { aRefaire = true; return; }  // relancé dès la fin de l'envoi en cours
    if (enregistrees === modifications) { return; }
    enCours = true;
    var version = modifications;
    fetch(formulaire.dataset.brouillon, {
      method: "POST", body: donnees(), credentials: "same-origin",
      headers: { "X-CSRFToken": formulaire.elements.csrf_token.value, "Accept": "application/json" }
    }).then(function (reponse) {
      return reponse.json().catch(function () { return {}; }).then(function (corps) {
        if (reponse.ok || reponse.status === 422) { enregistrees = version; }
        if (reponse.ok) { annoncer(corps.message || "Brouillon enregistré."); }
        else if (reponse.status === 422) { annoncer((corps.message || "Brouillon enregistré") + " Certaines réponses sont à corriger : elles seront signalées à l'envoi."); }
        else if (reponse.status === 429) { annoncer("Enregistrement automatique en pause : trop d'envois rapprochés. Vos réponses restent dans la page."); }
        else { annoncer(corps.erreur || "Brouillon non enregistré : gardez cette page ouverte et utilisez « Enregistrer le brouillon »."); }
      });
    }).catch(function () {
      annoncer("Pas de connexion : le brouillon sera enregistré dès qu'elle revient (gardez cette page ouverte).");
    }).then(function () {
      enCours = false;
      marquer();
      if (aRefaire) { aRefaire = false; enregistrer(); }
      else if (enregistrees !== modifications) { programmer(); }
    });
  }

  function programmer() { if (!minuterie) { minuterie = window.setTimeout(enregistrer, DELAI); } }
  function modifie() { modifications += 1; marquer(); programmer(); }

  formulaire.addEventListener("input", modifie);
  formulaire.addEventListener("change", modifie);
  formulaire.addEventListener("focusout", function () { if (minuterie) { enregistrer(); } });
  formulaire.addEventListener("submit", function () { envoi = true; if (minuterie) { window.clearTimeout(minuterie); minuterie = null; } });
  // En quittant la page (onglet fermé, appli en arrière-plan) : dernier envoi, même sans réponse.
  window.addEventListener("pagehide", function () {
    if (!envoi && enregistrees !== modifications && navigator.sendBeacon) {
      navigator.sendBeacon(formulaire.dataset.brouillon, donnees());
    }
  });
  marquer();
})();
