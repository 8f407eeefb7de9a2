/* Saisie de terrain : envoi par l'API avec file d'attente hors ligne (localStorage).
   Amélioration progressive : sans JavaScript, le formulaire est posté normalement.
   Rejouer un envoi est sans danger : le serveur reconnaît le client_uuid. */
(function () {
  "use strict";
  var form = document.getElementById("form-saisie");
  if (!form || !window.fetch || !window.localStorage) return;

  var CLE = "parole-file-" + form.dataset.temps;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var texte = document.getElementById("texte");
  var compteur = document.getElementById("compteur");
  var attente = document.getElementById("file-attente");
  var estPostits = form.dataset.postits === "1";

  function lireFile() { try { return JSON.parse(localStorage.getItem(CLE)) || []; } catch (e) { return []; } }
  function ecrireFile(file) { localStorage.setItem(CLE, JSON.stringify(file)); afficherAttente(); }
  function afficherAttente() {
    var n = lireFile().length;
    attente.hidden = n === 0;
    attente.textContent = n + " en attente d'envoi";
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  function message(texteMessage, categorie) {
    var zone = document.querySelector(".messages");
    if (!zone) {
      zone = document.createElement("div");
      zone.className = "messages"; zone.setAttribute("role", "status"); zone.setAttribute("aria-live", "polite");
      document.getElementById("contenu").prepend(zone);
    }
    zone.innerHTML = "";
    var p = document.createElement("p");
    p.className = "message " + categorie; p.textContent = texteMessage;   // textContent : jamais interprété
    zone.appendChild(p);
  }
  function lireFormulaire() {
    var d = new FormData(form);
    return {
      client_uuid: d.get("client_uuid"), temps: Number(form.dataset.temps),
      texte: d.get("texte") || "", question: d.get("question") || "",
      nature: estPostits ? "postit" : "parole", profil: d.get("profil") || "inconnu",
      tranche_age: d.get("tranche_age") || "inconnu", genre: d.get("genre") || "",
      themes: d.getAll("themes"), a_retenir: d.get("a_retenir") === "1", ne_pas_citer: d.get("ne_pas_citer") === "1"
    };
  }
  function reinitialiser() {
    var question = form.querySelector('[name="question"]:checked, select[name="question"]');
    var garde = question ? question.value : null;
    form.reset();
    form.querySelectorAll(".suggeree").forEach(function (el) { el.classList.remove("suggeree"); });
    if (garde !== null) {
      var el = form.querySelector('[name="question"][value="' + CSS.escape(garde) + '"]') || form.querySelector('select[name="question"]');
      if (el.tagName === "SELECT") el.value = garde; else el.checked = true;
    }
    texte.value = "";
    form.querySelector('[name="client_uuid"]').value = uuid();
    texte.focus();
  }
  function ajouterPostit(t) {
    var liste = document.getElementById("liste-postits");
    if (!liste) return;
    var li = document.createElement("li"); li.className = "texte-libre"; li.textContent = t;
    liste.prepend(li);
    var vide = document.getElementById("aucun-postit"); if (vide) vide.remove();
  }

  function envoyer(item) {
    return fetch(form.dataset.api, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(item)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (corps) { return { statut: r.status, corps: corps }; });
    });
  }

  var vidageEnCours = false;
  function viderFile() {
    if (vidageEnCours || !navigator.onLine) return;
    var file = lireFile();
    if (!file.length) return;
    vidageEnCours = true;
    envoyer(file[0]).then(function (rep) {
      vidageEnCours = false;
      var reste = lireFile().filter(function (i) { return i.client_uuid !== file[0].client_uuid; });
      if (rep.statut === 201 || rep.statut === 200) { ecrireFile(reste); if (rep.statut === 201) incrementer(1); viderFile(); }
      else if (rep.statut >= 400 && rep.statut < 500 && rep.statut !== 401 && rep.statut !== 429) {
        ecrireFile(reste);  // refus définitif : on le dit, sans bloquer la file
        message("Une parole en attente a été refusée : " + (rep.corps.erreur || rep.statut) + " — « " + file[0].texte.slice(0, 60) + " »", "erreur");
        viderFile();
      }
    }).catch(function () { vidageEnCours = false; });
  }
  function incrementer(n) { compteur.textContent = String(Number(compteur.textContent) + n); }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var item = lireFormulaire();
    if (!item.texte.trim()) { message("Le texte est vide : écrivez au moins un mot.", "erreur"); texte.focus(); return; }
    envoyer(item).then(function (rep) {
      if (rep.statut === 201 || rep.statut === 200) {
        if (rep.statut === 201) incrementer(1);
        message(estPostits ? "Post-it enregistré." : "Parole enregistrée : « " + item.texte.slice(0, 80) + " »", "succes");
        if (estPostits) ajouterPostit(item.texte);
        reinitialiser();
      } else if (rep.statut === 401) {
        message("Votre session a expiré : reconnectez-vous. Le texte saisi est conservé dans le champ.", "erreur");
      } else {
        message(rep.corps.erreur || ("Erreur " + rep.statut), "erreur");   // le formulaire garde tout
      }
    }).catch(function () {
      var file = lireFile(); file.push(item); ecrireFile(file);
      message("Pas de réseau : la parole est gardée sur cet appareil et partira dès le retour de la connexion.", "avertissement");
      if (estPostits) ajouterPostit(item.texte);
      reinitialiser();
    });
  });

  if (estPostits) {
    texte.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); form.requestSubmit(); }
    });
  }

  // Annuler : si la dernière saisie est encore dans la file locale, on la retire sans appeler le serveur.
  var annuler = document.getElementById("form-annuler");
  if (annuler) annuler.addEventListener("submit", function (ev) {
    var file = lireFile();
    if (file.length) {
      ev.preventDefault();
      var retiree = file.pop(); ecrireFile(file);
      message("Dernière saisie annulée (elle n'était pas encore envoyée) : « " + retiree.texte.slice(0, 80) + " »", "info");
    }
  });

  // Suggestions de thèmes : facultatives ; une panne ne gêne jamais la saisie.
  var urlSuggestions = form.dataset.suggestions, minuterie = null;
  if (urlSuggestions) texte.addEventListener("input", function () {
    clearTimeout(minuterie);
    minuterie = setTimeout(function () {
      if (texte.value.trim().length < 12) return;
      fetch(urlSuggestions, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ texte: texte.value, demarche: form.dataset.demarche })
      }).then(function (r) { return r.ok ? r.json() : { suggestions: [] }; }).then(function (corps) {
        form.querySelectorAll(".puce.suggeree").forEach(function (el) { el.classList.remove("suggeree"); });
        (corps.suggestions || []).forEach(function (s) {
          var puce = form.querySelector('.puce[data-theme="' + CSS.escape(s.theme) + '"]');
          if (puce) puce.classList.add("suggeree");
        });
        var aide = document.getElementById("aide-suggestions");
        if (aide) aide.hidden = !(corps.suggestions || []).length;
      }).catch(function () {});
    }, 600);
  });

  window.addEventListener("online", viderFile);
  setInterval(viderFile, 15000);
  afficherAttente();
  viderFile();
})();
