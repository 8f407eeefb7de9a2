// Questionnaire public, rempli sur un téléphone au réseau incertain.
// - Chaque frappe est gardée sur le téléphone (localStorage, une clé par lien) jusqu'à ce que le serveur l'ait :
//   un rechargement remet dans le formulaire ce que le serveur n'a pas confirmé.
// - Le brouillon part sur le serveur pendant la saisie (au plus toutes les 5 secondes, en quittant un champ,
//   et en quittant la page). `data-etat` du formulaire vaut « enregistre » quand tout ce qui est tapé y est.
// - « Envoyer » part sans quitter la page : sans réseau, l'envoi attend et reprend seul (retour du réseau,
//   nouvelles tentatives espacées, ou réouverture du lien) ; des réponses à corriger reviennent par l'envoi
//   classique du formulaire, qui affiche le résumé des erreurs comme sans JavaScript.
// Sans localStorage (navigation privée, quota plein) tout marche comme avant, sans copie locale.
(function () {
  "use strict";
  var resume = document.getElementById("resume-erreurs");
  if (resume) { resume.focus(); }

  function cle(jeton) { return "parole-questionnaire-" + jeton; }
  function lireLocal(jeton) {
    try { return JSON.parse(window.localStorage.getItem(cle(jeton)) || "null"); } catch (e) { return null; }
  }
  function ecrireLocal(jeton, etat) {
    try { window.localStorage.setItem(cle(jeton), JSON.stringify(etat)); return true; } catch (e) { return false; }
  }
  function effacerLocal(jeton) {
    try { window.localStorage.removeItem(cle(jeton)); } catch (e) { /* rien à effacer */ }
  }

  // Page « merci » : le serveur a les réponses, la copie locale n'a plus lieu d'être. Seule exception :
  // une modification envoyée hors ligne (même révision que la page) n'est pas arrivée : on la reprend.
  var merci = document.querySelector("[data-questionnaire-envoye]");
  if (merci) {
    var modification = lireLocal(merci.dataset.jeton);
    if (modification && modification.revision === merci.dataset.revision && !("close" in merci.dataset)) {
      if (modification.envoi_en_attente) { window.location.replace(merci.dataset.modifier); }
      return;
    }
    effacerLocal(merci.dataset.jeton);
    return;
  }

  var formulaire = document.querySelector("form.questionnaire[data-jeton]");
  if (!formulaire || !window.fetch || !window.FormData) { return; }
  var jeton = formulaire.dataset.jeton;
  var adresse = formulaire.getAttribute("action");  // `formulaire.action` désigne les boutons nommés « action »
  var urlBrouillon = formulaire.dataset.brouillon;  // absent quand on modifie des réponses déjà envoyées
  var revision = formulaire.elements.revision.value;
  var etat = document.getElementById("etat-brouillon");
  var minuterie = null, enCours = false, aRefaire = false, modifications = 0, enregistrees = 0, quitte = false, DELAI = 5000;
  var local = { valeurs: null, revision: revision, envoi_en_attente: false, confirme: true };
  var gardeLocale = true;  // faux si le dernier enregistrement local a échoué
  var envoi = { enCours: false, delai: 0, minuterie: null };

  function annoncer(texte) { if (etat) { etat.textContent = texte; } }
  function marquer() { formulaire.dataset.etat = enregistrees === modifications ? "enregistre" : "modifie"; }

  // Message dans une zone `role=status` : `genre` est une classe de .message (info, avertissement, erreur).
  function afficher(zone, texte, genre, lien) {
    var bloc = document.getElementById(zone);
    if (!bloc) { return; }
    var p = document.createElement("p");
    p.className = "message " + genre;
    p.textContent = texte;
    if (lien) {
      var a = document.createElement("a");
      a.href = lien[0];
      a.textContent = lien[1];
      p.appendChild(document.createTextNode(" "));
      p.appendChild(a);
    }
    bloc.textContent = "";
    bloc.appendChild(p);
  }

  function champs() {
    return Array.prototype.filter.call(formulaire.elements, function (c) {
      return c.name && (c.name.indexOf("q-") === 0 || c.name === "role_repondant" || c.name === "nom_structure");
    });
  }
  function valeursDuFormulaire() {
    var valeurs = {};
    champs().forEach(function (c) {
      valeurs[c.name] = valeurs[c.name] || [];
      if ((c.type !== "checkbox" && c.type !== "radio") || c.checked) { valeurs[c.name].push(c.value); }
    });
    return valeurs;
  }
  function remettre(valeurs) {
    champs().forEach(function (c) {
      var garde = valeurs[c.name] || [];
      if (c.type === "checkbox" || c.type === "radio") { c.checked = garde.indexOf(c.value) !== -1; }
      else { c.value = garde.length ? garde[0] : ""; }
    });
  }
  function garder() {
    local.valeurs = valeursDuFormulaire();
    gardeLocale = ecrireLocal(jeton, local);
  }

  // --- Brouillon sur le serveur -------------------------------------------------------------
  function donnees() {
    var corps = new FormData(formulaire);
    corps.delete("action");
    return corps;
  }

  function enregistrer() {
    if (minuterie) { window.clearTimeout(minuterie); minuterie = null; }
    if (!urlBrouillon || local.envoi_en_attente) { return; }  // l'envoi en attente emportera tout
    if (enCours) { aRefaire = true; return; }  // relancé dès la fin de l'envoi en cours
    if (enregistrees === modifications) { return; }
    enCours = true;
    var version = modifications;
    fetch(urlBrouillon, {
      method: "POST", body: donnees(), credentials: "same-origin",
      headers: { "X-CSRFToken": formulaire.elements.csrf_token.value, "Accept": "application/json" }
    }).then(function (reponse) {
      return reponse.json().catch(function () { return {}; }).then(function (corps) {
        if (reponse.ok || reponse.status === 422) {
          enregistrees = version;
          if (version === modifications) { local.confirme = true; gardeLocale = ecrireLocal(jeton, local); }
        }
        if (reponse.ok) { annoncer(corps.message || "Brouillon enregistré."); }
        else if (reponse.status === 422) { annoncer((corps.message || "Brouillon enregistré") + " Certaines réponses sont à corriger : elles seront signalées à l'envoi."); }
        else if (reponse.status === 429) { annoncer("Enregistrement automatique en pause : trop d'envois rapprochés. Vos réponses restent dans la page."); }
        else { annoncer(corps.erreur || "Brouillon non enregistré : gardez cette page ouverte et utilisez « Enregistrer le brouillon »."); }
      });
    }).catch(function () {
      annoncer(gardeLocale ? "Pas de connexion : le brouillon est gardé sur ce téléphone et sera enregistré dès qu'elle revient."
        : "Pas de connexion : le brouillon sera enregistré dès qu'elle revient (gardez cette page ouverte).");
    }).then(function () {
      enCours = false;
      marquer();
      if (aRefaire) { aRefaire = false; enregistrer(); }
      else if (enregistrees !== modifications) { programmer(); }
    });
  }

  function programmer() { if (!minuterie) { minuterie = window.setTimeout(enregistrer, DELAI); } }
  function modifie() {
    modifications += 1;
    local.confirme = false;
    garder();
    marquer();
    programmer();
  }

  // --- Envoi des réponses ---------------------------------------------------------------------
  function envoyer() {
    if (envoi.enCours) { return; }
    if (envoi.minuterie) { window.clearTimeout(envoi.minuterie); envoi.minuterie = null; }
    envoi.enCours = true;
    local.envoi_en_attente = true;  // noté avant de partir : une page fermée en route reprendra l'envoi
    garder();
    if (navigator.onLine === false) {  // hors ligne déjà connu : le dire tout de suite, sans attendre la requête
      afficher("etat-envoi", messageSansConnexion(), "avertissement");
    }
    var corps = new FormData(formulaire);
    corps.set("action", "envoyer");
    var controle = window.AbortController ? new AbortController() : null;
    // 10 s, un peu plus à chaque nouvelle tentative : sur un réseau très lent l'envoi doit pouvoir finir.
    var limite = controle ? window.setTimeout(function () { controle.abort(); }, 10000 + envoi.delai) : null;
    fetch(adresse, {
      method: "POST", body: corps, credentials: "same-origin", signal: controle ? controle.signal : undefined,
      headers: { "X-CSRFToken": formulaire.elements.csrf_token.value, "Accept": "application/json" }
    }).then(function (reponse) {
      return reponse.json().catch(function () { return null; }).then(function (json) { return [reponse.status, json]; });
    }).catch(function () { return [0, null]; }).then(function (resultat) {
      window.clearTimeout(limite);
      envoi.enCours = false;
      traiter(resultat[0], resultat[1]);
    });
  }

  function traiter(statut, json) {
    if (statut === 200 && json && json.url) {
      quitte = true;
      effacerLocal(jeton);
      window.location.assign(json.url);
    } else if (statut === 422 && json) {
      abandonner();
      envoyerSansScript();  // le serveur rend la page avec le résumé des erreurs, comme sans JavaScript
    } else if (statut === 0 || (statut < 400 && !json)) {  // sans réseau, ou portail Wi-Fi qui répond à la place du serveur
      patienter(messageSansConnexion());
    } else if (statut === 429 || statut >= 500) {
      patienter("Le serveur ne peut pas recevoir vos réponses pour l'instant : elles sont gardées sur ce téléphone et seront envoyées dans quelques instants.");
    } else if (statut === 400 && !json) {
      // Jeton CSRF refusé : la page rechargée en aura un neuf et reprendra l'envoi gardé.
      afficher("etat-envoi", "La page a expiré : rechargez-la. Vos réponses sont gardées sur ce téléphone et leur envoi reprendra.",
        "erreur", [window.location.href, "Recharger la page"]);
    } else {
      abandonner();
      afficher("etat-envoi", (json && json.erreur) || "L'envoi n'a pas abouti (erreur " + statut + "). Vos réponses restent dans la page : réessayez plus tard.",
        "erreur", statut === 409 ? [adresse, "Voir les réponses enregistrées"] : null);
    }
  }

  function messageSansConnexion() {
    return gardeLocale ? "Pas de connexion : vos réponses sont gardées sur ce téléphone et seront envoyées dès que la connexion revient."
      : "Pas de connexion : gardez cette page ouverte, vos réponses seront envoyées dès que la connexion revient.";
  }

  function abandonner() {
    local.envoi_en_attente = false;
    garder();
  }

  function patienter(texte) {
    afficher("etat-envoi", texte, "avertissement");
    envoi.delai = Math.min(envoi.delai ? envoi.delai * 2 : 3000, 30000);
    envoi.minuterie = window.setTimeout(envoyer, envoi.delai);
  }

  function reprendre() {
    if (!local.envoi_en_attente || envoi.enCours) { return; }
    envoi.delai = 0;
    envoyer();
  }

  function envoyerSansScript() {
    var action = document.createElement("input");
    action.type = "hidden";
    action.name = "action";
    action.value = "envoyer";
    formulaire.appendChild(action);
    quitte = true;
    HTMLFormElement.prototype.submit.call(formulaire);
  }

  // --- Au chargement : ce que le serveur n'a pas confirmé revient dans le formulaire ----------
  var gardee = lireLocal(jeton);
  if (gardee && gardee.valeurs && gardee.revision === revision && (gardee.envoi_en_attente || !gardee.confirme)) {
    local.envoi_en_attente = !!gardee.envoi_en_attente;
    local.confirme = !!gardee.confirme;  // même identique à la page (page d'erreurs rendue), rien ne dit que le serveur l'a
    if (JSON.stringify(gardee.valeurs) !== JSON.stringify(valeursDuFormulaire())) {
      remettre(gardee.valeurs);
      afficher("etat-local", "Vos réponses tapées sur ce téléphone et pas encore enregistrées ont été remises dans le formulaire.", "info");
      modifications += 1;
      local.confirme = false;
    }
    garder();
    enregistrer();
  } else if (gardee) {
    effacerLocal(jeton);  // déjà sur le serveur, ou écrite avant un envoi accepté depuis : le serveur fait foi
  }

  formulaire.addEventListener("input", modifie);
  formulaire.addEventListener("change", modifie);
  formulaire.addEventListener("focusout", function () { if (minuterie) { enregistrer(); } });
  formulaire.addEventListener("submit", function (evenement) {
    if (evenement.submitter && evenement.submitter.value === "envoyer") {
      evenement.preventDefault();
      afficher("etat-envoi", "Envoi en cours…", "info");
      envoi.delai = 0;
      envoyer();
      return;
    }
    quitte = true;  // envoi classique (bouton « Enregistrer le brouillon », ou navigateur sans `submitter`)
    if (minuterie) { window.clearTimeout(minuterie); minuterie = null; }
  });
  window.addEventListener("online", function () {
    if (local.envoi_en_attente) { reprendre(); } else if (enregistrees !== modifications) { enregistrer(); }
  });
  // En quittant la page (onglet fermé, appli en arrière-plan) : dernier envoi du brouillon, même sans réponse.
  window.addEventListener("pagehide", function () {
    if (!quitte && urlBrouillon && !local.envoi_en_attente && enregistrees !== modifications && navigator.sendBeacon) {
      navigator.sendBeacon(urlBrouillon, donnees());
    }
  });
  marquer();
  if (local.envoi_en_attente) {
    afficher("etat-envoi", "Envoi de vos réponses gardées sur ce téléphone…", "info");
    document.getElementById("etat-envoi").scrollIntoView({ block: "center" });
    reprendre();
  }
})();
