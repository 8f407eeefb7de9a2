// Suivi des questionnaires : copier un lien d'un geste (la confirmation avant de révoquer vient de commun.js).
(function () {
  "use strict";
  document.querySelectorAll("button.copier").forEach(function (bouton) {
    bouton.addEventListener("click", function () {
      var champ = document.getElementById(bouton.dataset.cible);
      var fini = function () { bouton.textContent = "Copié"; window.setTimeout(function () { bouton.textContent = "Copier"; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(champ.value).then(fini, function () { champ.select(); });
      } else {
        champ.select();
        if (document.execCommand && document.execCommand("copy")) { fini(); }
      }
    });
  });
})();
