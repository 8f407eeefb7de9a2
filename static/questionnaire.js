// Questionnaire public : enregistre le brouillon sur le serveur pendant la saisie (au plus toutes
// les 5 secondes, et quand on quitte un champ), et place le focus sur le résumé des erreurs.
(function () {
  "use strict";
  var resume = document.getElementById("resume-erreurs");
  if (resume) { resume.focus(); }

  var formulaire = document.querySelector("form.questionnaire[data-brouillon]");
  if (!formulaire || !window.fetch || !window.FormData) { return; }
  var etat = document.getElementById("etat-brouillon");
  var minuterie = null, enCours = false, aRefaire = false, DELAI = 5000;

  function annoncer(texte) { if (etat) { etat.textContent = texte; } }

  function enregistrer() {
    minuterie = null;
    if (enCours) { aRefaire = true; return; }
    enCours = true;
    var donnees = new FormData(formulaire);
    donnees.delete("action");
    fetch(formulaire.dataset.brouillon, {
      method: "POST", body: donnees, credentials: "same-origin",
      headers: { "X-CSRFToken": formulaire.elements.csrf_token.value, "Accept": "application/json" }
    }).then(function (reponse) {
      return reponse.json().catch(function () { return {}; }).then(function (corps) {
        if (reponse.ok) { annoncer(corps.message || "Brouillon enregistré."); }
        else if (reponse.status === 422) { annoncer((corps.message || "Brouillon enregistré") + " — certaines réponses sont à corriger (elles seront signalées à l'envoi)."); }
        else if (reponse.status === 429) { annoncer("Enregistrement automatique en pause : trop d'envois rapprochés. Vos réponses restent dans la page."); }
        else { annoncer(corps.erreur || "Brouillon non enregistré : gardez cette page ouverte et réessayez avec « Enregistrer le brouillon »."); }
      });
    }).catch(function () {
      annoncer("Pas de connexion : le brouillon sera enregistré dès qu'elle revient (gardez cette page ouverte).");
      aRefaire = true;
    }).then(function () {
      enCours = false;
      if (aRefaire) { aRefaire = false; programmer(); }
    });
  }

  function programmer() { if (!minuterie) { minuterie = window.setTimeout(enregistrer, DELAI); } }

  formulaire.addEventListener("input", programmer);
  formulaire.addEventListener("change", programmer);
  formulaire.addEventListener("focusout", function () { if (minuterie) { window.clearTimeout(minuterie); enregistrer(); } });
  formulaire.addEventListener("submit", function () { if (minuterie) { window.clearTimeout(minuterie); minuterie = null; } });
})();
