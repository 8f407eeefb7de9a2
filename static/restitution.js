// Page Restitution : pendant qu'un PDF se prépare (quelques secondes), le dire, et éviter le double clic.
(function () {
  "use strict";
  var statut = document.querySelector(".statut-attente");
  if (!statut) { return; }
  function attendre(element) {
    statut.textContent = element.getAttribute("data-attente");
    element.setAttribute("aria-busy", "true");
    // Le navigateur ne dit pas quand un téléchargement finit : au bout de 30 s, un message neutre.
    window.setTimeout(function () {
      statut.textContent = "Si le téléchargement n'a pas commencé, patientez encore : une grande démarche demande jusqu'à une demi-minute.";
      element.removeAttribute("aria-busy");
    }, 30000);
  }
  document.querySelectorAll("form[data-attente]").forEach(function (formulaire) {
    formulaire.addEventListener("submit", function () { attendre(formulaire); });
  });
  document.querySelectorAll("a[data-attente]").forEach(function (lien) {
    lien.addEventListener("click", function () { attendre(lien); });
  });
})();
