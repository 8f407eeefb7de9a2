/* Page « Sur cet appareil » : la file d'attente, les paroles à corriger (modifiables et renvoyables),
   les temps de collecte emportés. Tout est lu dans la mémoire de l'appareil (boite.js) : la page
   marche sans réseau. */
(function () {
  "use strict";
  var Boite = window.ParoleBoite;
  if (!Boite) return;
  // Les champs d'une parole, tels que les déclare le registre du serveur (collecte/modele/champs.py).
  var CHAMPS = JSON.parse(document.getElementById("champs-parole").textContent);
  var etatPage = document.getElementById("etat-appareil");
  var ETATS_LIBELLES = { attente: "en attente d'envoi", a_corriger: "à corriger" };

  function el(nom, attributs, enfants) {
    var noeud = document.createElement(nom);
    Object.keys(attributs || {}).forEach(function (cle) {
      if (cle === "texte") noeud.textContent = attributs[cle];
      else if (cle === "classe") noeud.className = attributs[cle];
      else if (attributs[cle] === true) noeud.setAttribute(cle, "");
      else if (attributs[cle] !== false && attributs[cle] != null) noeud.setAttribute(cle, attributs[cle]);
    });
    (enfants || []).forEach(function (enfant) { if (enfant) noeud.append(enfant); });
    return noeud;
  }
  function dateCourte(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleString("fr-FR", { day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" });
  }
  function libelleTemps(fiche, id) {
    return fiche ? fiche.ref + " (" + fiche.dispositif_libelle + ", " + fiche.date.split("-").reverse().join("/") + ")" : "temps n° " + id;
  }

  function etatReseau() {
    var e = Boite.etat;
    var n = e.attente + e.annulations;
    var morceaux = [];
    if (e.base === "indisponible") return "Cet appareil ne peut rien garder (navigation privée ou stockage refusé) : la saisie attend le serveur à chaque parole.";
    if (!n) morceaux.push("Rien en attente.");
    else if (e.connexion === "requise") morceaux.push("Envoi en pause : reconnectez-vous.");
    else if (e.envoiEnCours) morceaux.push("Envoi en cours…");
    else if (e.reseau === "hors_ligne" || navigator.onLine === false) morceaux.push("Pas de réseau : l'envoi reprendra seul.");
    else if (e.reseau === "erreur") morceaux.push("Le serveur ne répond pas : nouvel essai automatique.");
    else morceaux.push(Boite.pluriel(n, "envoi", "envois") + " en attente.");
    if (e.aCorriger) morceaux.push(Boite.pluriel(e.aCorriger, "parole", "paroles") + " à corriger.");
    return morceaux.join(" ");
  }

  function ligneAttente(e, fiches) {
    var texte = e.type === "annulation" ? "Annulation de « " + (e.extrait || "") + " »" : Boite.extrait(e.donnees.texte, 140);
    return el("li", { classe: "carte" }, [
      el("p", { classe: "texte-libre", texte: texte }),
      el("p", { classe: "meta", texte: libelleTemps(fiches[e.temps], e.temps) + " · saisie le " + dateCourte(e.depose_le) +
        " · " + ETATS_LIBELLES[e.etat] + (e.tentatives ? " (" + Boite.pluriel(e.tentatives, "essai", "essais") + ")" : "") })
    ]);
  }

  function choix(nom, libelle, options, valeur, idBase) {
    var id = idBase + "-" + nom;
    var select = el("select", { id: id, name: nom });
    Object.keys(options).forEach(function (cle) {
      select.append(el("option", { value: cle, texte: options[cle], selected: cle === valeur }));
    });
    return el("div", { classe: "champ" }, [el("label", { for: id, texte: libelle }), select]);
  }

  function champThemes(c, d, fiche) {
    var themes = el("fieldset", { classe: "puces" }, [el("legend", { texte: c.libelle })]);
    var autres = el("div", { classe: "puces" });
    var connus = {}, nbAutres = 0, autreCoche = false, choisis = d[c.nom] || [];
    ((fiche && fiche.themes) || []).forEach(function (t) {
      connus[t.slug] = true;
      var coche = choisis.indexOf(t.slug) !== -1;
      var puce = el("label", { classe: "puce" }, [el("input", { type: "checkbox", name: c.nom, value: t.slug, checked: coche }), el("span", { texte: t.label })]);
      // Comme sur l'écran de saisie : les thèmes du temps d'abord, les autres à un toucher.
      if (t.propose === false) { autres.append(puce); nbAutres += 1; autreCoche = autreCoche || coche; } else { themes.append(puce); }
    });
    // Un thème disparu du livre de codes est montré décoché : renvoyer ne le redemande pas.
    choisis.filter(function (s) { return !connus[s]; }).forEach(function (s) {
      themes.append(el("label", { classe: "puce disparu" }, [el("input", { type: "checkbox", name: c.nom, value: s }), el("span", { texte: s + " (n'existe plus)" })]));
    });
    if (nbAutres) themes.append(el("details", { classe: "autres-themes", open: autreCoche }, [el("summary", { texte: "Autres thèmes (" + nbAutres + ")" }), autres]));
    return themes;
  }

  function formulaireCorrection(e, fiches) {
    var idBase = "correction-" + e.ordre;
    var erreur = e.erreur || {};
    var form = el("form", { classe: "carte correction", "data-ordre": e.ordre, "aria-labelledby": idBase + "-titre" });
    form.append(el("h3", { id: idBase + "-titre", texte: e.type === "annulation" ? "Annulation refusée" : "Parole refusée" }));
    form.append(el("p", { classe: "message erreur", texte: erreur.message || "Refusée par le serveur." }));
    if (e.type === "annulation") {
      form.append(el("p", { classe: "texte-libre", texte: "« " + (e.extrait || "") + " »" }));
      form.append(el("div", { classe: "actions" }, [el("button", { type: "button", classe: "bouton danger", "data-action": "supprimer", texte: "Retirer de l'appareil" })]));
      return form;
    }
    var fiche = fiches[e.temps];
    var d = e.donnees;
    form.append(el("p", { classe: "meta", texte: libelleTemps(fiche, e.temps) + " · saisie le " + dateCourte(e.depose_le) }));
    if (!fiche || fiche.supprime || erreur.champ === "temps") {
      var options = { "": "— choisir un temps de cet appareil —" };
      Object.keys(fiches).forEach(function (id) {
        if (!fiches[id].supprime && Number(id) !== e.temps) options[id] = libelleTemps(fiches[id], id);
      });
      var champTemps = choix("temps", "Temps de collecte (l'ancien n'existe plus)", options, "", idBase);
      champTemps.querySelector("select").required = true;
      form.append(champTemps);
    }
    // Un champ par entrée du registre des champs (collecte/modele/champs.py), dans son ordre.
    var choixDuTemps = [], drapeaux = null;
    CHAMPS.forEach(function (c) {
      if (c.sorte === "themes") { form.append(champThemes(c, d, fiche)); return; }
      if (c.sorte === "drapeau") { (drapeaux || (drapeaux = el("fieldset", { classe: "puces bascules" }, [el("legend", { classe: "visuellement-cache", texte: "Drapeaux" })]))).append(
        el("label", { classe: "puce" + (c.nom === "a_retenir" ? " retenir" : "") }, [el("input", { type: "checkbox", name: c.nom, value: "1", checked: !!d[c.nom] }), el("span", { texte: (c.nom === "a_retenir" ? "★ " : "") + c.libelle })])); return; }
      if (c.sorte === "choix") { choixDuTemps.push(choix(c.nom, c.libelle, c.vocabulaire, d[c.nom], idBase)); return; }
      if (c.liste_du_temps) {  // la question : celles du panneau de ce temps
        var questions = {};
        ((fiche && fiche.questions) || []).forEach(function (q) { questions[q] = q; });
        if (d[c.nom]) questions[d[c.nom]] = d[c.nom];
        if (Object.keys(questions).length) form.append(choix(c.nom, c.libelle, Object.assign({ "": "— aucune —" }, questions), d[c.nom], idBase));
        return;
      }
      form.append(el("div", { classe: "champ" }, [
        el("label", { for: idBase + "-" + c.nom, texte: c.libelle }),
        el("textarea", { id: idBase + "-" + c.nom, name: c.nom, rows: c.nom === "texte" ? 4 : 2, maxlength: c.longueur_max || 20000, texte: d[c.nom] || "" })
      ]));
    });
    form.append(el("div", { classe: "grille-formulaire" }, choixDuTemps));
    if (drapeaux) form.append(drapeaux);
    var actions = el("div", { classe: "actions" });
    if (erreur.code === "conflit") {
      actions.append(el("button", { type: "submit", classe: "bouton principal", "data-action": "nouvelle", texte: "Envoyer comme nouvelle parole" }));
    } else {
      actions.append(el("button", { type: "submit", classe: "bouton principal", "data-action": "renvoyer", texte: "Renvoyer" }));
    }
    actions.append(el("button", { type: "button", classe: "bouton danger", "data-action": "supprimer", texte: "Supprimer de l'appareil" }));
    form.append(actions);
    return form;
  }

  function lireCorrection(form, e) {
    var f = new FormData(form), donnees = {};
    CHAMPS.forEach(function (c) {
      if (c.sorte === "themes") donnees[c.nom] = f.getAll(c.nom);
      else if (c.sorte === "drapeau") donnees[c.nom] = f.get(c.nom) === "1";
      else donnees[c.nom] = f.has(c.nom) ? (f.get(c.nom) || c.defaut) : e.donnees[c.nom];
    });
    return { donnees: donnees, temps: f.get("temps") ? Number(f.get("temps")) : null };
  }

  function brancherCorrection(form, e) {
    // Un formulaire touché n'est plus redessiné tant qu'il n'est pas renvoyé (on perdrait la saisie).
    form.addEventListener("input", function () { form.dataset.touche = "1"; });
    form.addEventListener("change", function () { form.dataset.touche = "1"; });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var c = lireCorrection(form, e);
      if (!c.donnees.texte.trim()) { annoncer("Le texte est vide : écrivez au moins un mot, ou supprimez la parole."); return; }
      if (form.elements.temps && !c.temps) { annoncer("Choisissez le temps de collecte où ranger cette parole."); form.elements.temps.focus(); return; }
      var nouvelle = ev.submitter && ev.submitter.dataset.action === "nouvelle";
      Boite.corriger(e.ordre, c.donnees, { temps: c.temps, nouvelIdentifiant: nouvelle }).then(function () {
        annoncer("Parole corrigée : elle repart dans la file d'attente.");
        Boite.vider();
        afficher();
      });
    });
    var supprimer = form.querySelector('[data-action="supprimer"]');
    supprimer.addEventListener("click", function () {
      var question = e.type === "annulation"
        ? "Retirer cette annulation de l'appareil ? La parole restera sur le serveur."
        : (e.erreur && e.erreur.code === "conflit"
          ? "Supprimer cette parole de l'appareil ? La version déjà enregistrée sur le serveur est gardée."
          : "Supprimer définitivement cette parole de l'appareil ? Elle n'est pas sur le serveur : elle sera perdue.");
      if (!window.confirm(question)) return;
      Boite.supprimer(e.ordre).then(function () { annoncer("Supprimée de l'appareil."); afficher(); });
    });
  }

  var messageFixe = "";
  function annoncer(message) { messageFixe = message; etatPage.textContent = message; }

  function carteTemps(fiche, enFile) {
    var carte = el("li", { classe: "carte" }, [
      el("h3", { texte: fiche.ref + " · " + fiche.dispositif_libelle }),
      el("p", { classe: "meta", texte: fiche.date.split("-").reverse().join("/") + (fiche.lieu ? " · " + fiche.lieu : "") + " · " + fiche.demarche_titre })
    ]);
    var etat = el("p", { classe: "meta", texte: "…" });
    carte.append(etat);
    Boite.pageGardee(fiche.urls.parole).then(function (ok) {
      etat.textContent = (ok ? "✓ Utilisable sans réseau" : "Page non gardée : rouvrez-la une fois avec du réseau") +
        (enFile ? " · " + Boite.pluriel(enFile, "parole", "paroles") + " en attente" : "");
    });
    var liens = el("p", { classe: "ligne" }, [
      el("a", { classe: "bouton principal", href: fiche.dispositif === "ordi_panneau" ? fiche.urls.postits : fiche.urls.parole,
                texte: fiche.dispositif === "ordi_panneau" ? "Transcrire des post-its" : "Saisir des paroles" })
    ]);
    var retirer = el("button", { type: "button", classe: "bouton", texte: "Retirer de l'appareil", disabled: enFile > 0,
                                 title: enFile ? "Des paroles de ce temps attendent encore leur envoi." : false });
    retirer.addEventListener("click", function () {
      Boite.oublierTemps(fiche.id).then(function () { annoncer("« " + fiche.ref + " » retiré de l'appareil."); afficher(); });
    });
    liens.append(retirer);
    carte.append(liens);
    return carte;
  }

  // Met les nœuds dans cet ordre sans toucher à ceux déjà en place : déplacer un formulaire lui ferait
  // perdre le focus (et fermerait le clavier du téléphone au milieu d'une correction).
  function placer(zone, noeuds) {
    Array.prototype.slice.call(zone.children).forEach(function (n) { if (noeuds.indexOf(n) === -1) n.remove(); });
    noeuds.forEach(function (n, rang) { if (zone.children[rang] !== n) zone.insertBefore(n, zone.children[rang] || null); });
  }

  var enCours = false, aRefaire = false;
  function afficher() {
    if (enCours) { aRefaire = true; return; }
    enCours = true;
    Boite.lister().then(function (r) {
      var fiches = {};
      r.temps.forEach(function (t) { fiches[t.id] = t; });
      var attente = r.envois.filter(function (e) { return e.etat === "attente"; });
      var corriger = r.envois.filter(function (e) { return e.etat === "a_corriger"; });
      var liste = document.getElementById("liste-attente");
      liste.replaceChildren.apply(liste, attente.map(function (e) { return ligneAttente(e, fiches); }));
      document.getElementById("aucune-attente").hidden = attente.length > 0;
      document.getElementById("nb-attente").textContent = attente.length ? "(" + attente.length + ")" : "";
      var zone = document.getElementById("liste-corriger");
      // Un formulaire en cours de correction n'est pas redessiné (on perdrait la saisie).
      var ouverts = {};
      zone.querySelectorAll("form.correction").forEach(function (f) { ouverts[f.dataset.ordre] = f; });
      var formulaires = corriger.map(function (e) {
        // Un formulaire n'est redessiné que si ce qu'il montre a changé, et jamais une fois touché.
        var signature = JSON.stringify([e.erreur, e.donnees, e.temps, Object.keys(fiches).map(function (id) {
          var f = fiches[id]; return [id, f.ref, f.themes, f.questions, !!f.supprime];
        })]);
        var ouvert = ouverts[e.ordre];
        if (ouvert && (ouvert.dataset.touche || ouvert.contains(document.activeElement) || ouvert.dataset.signature === signature)) return ouvert;
        var f = formulaireCorrection(e, fiches);
        f.dataset.signature = signature;
        brancherCorrection(f, e);
        return f;
      });
      placer(zone, formulaires);
      document.getElementById("aucune-correction").hidden = corriger.length > 0;
      document.getElementById("nb-corriger").textContent = corriger.length ? "(" + corriger.length + ")" : "";
      var parTemps = {};
      attente.forEach(function (e) { parTemps[e.temps] = (parTemps[e.temps] || 0) + 1; });
      var cartes = document.getElementById("liste-temps");
      cartes.replaceChildren.apply(cartes, r.temps.map(function (t) { return carteTemps(t, parTemps[t.id] || 0); }));
      document.getElementById("aucun-temps").hidden = r.temps.length > 0;
      etatPage.textContent = messageFixe || etatReseau();
      messageFixe = "";
    }, function () {
      etatPage.textContent = etatReseau();
    }).then(function () {
      enCours = false;
      if (aRefaire) { aRefaire = false; afficher(); }
    });
    Boite.infosStockage().then(function (s) {
      var p = document.getElementById("etat-stockage");
      if (!p) { p = el("p", { id: "etat-stockage", classe: "aide" }); etatPage.after(p); }
      var texte = s.persistant ? "Stockage protégé : le navigateur n'effacera pas ces données pour faire de la place."
        : "Stockage non protégé : en cas de manque de place, le navigateur pourrait effacer ces données. Installez Parole sur l'écran d'accueil pour les protéger.";
      if (s.quota) texte += " Espace utilisé : " + Math.round(s.utilise / 1024) + " Ko sur " + Math.round(s.quota / 1048576) + " Mo.";
      p.textContent = texte;
    });
  }

  document.getElementById("envoyer-maintenant").addEventListener("click", function () {
    annoncer("Envoi en cours…");
    Boite.vider().then(afficher);
  });
  Boite.surChangement(function () { afficher(); });
  afficher();
  if (navigator.onLine !== false) {
    Boite.lister().then(function (r) {
      var ids = {};
      r.envois.forEach(function (e) { if (e.etat === "a_corriger") ids[e.temps] = true; });
      return Promise.all(Object.keys(ids).map(function (id) { return Boite.rafraichirTemps(Number(id)).catch(function () {}); }));
    }).then(afficher, function () {});
  }
})();
