/* Boîte d'envoi de l'appareil (sans framework).

   Chaque parole saisie va d'abord dans une file d'attente sur l'appareil (IndexedDB), partagée par
   tous les onglets et tous les temps de collecte ; la file se vide vers le serveur par lots
   (POST /api/contributions/lot), dans l'ordre, dès que le réseau le permet, depuis n'importe quelle
   page de Parole. Rien n'en sort sans que le serveur ait répondu « enregistrée » ou « annulée »,
   ou sans que la personne le demande explicitement : une parole refusée passe « à corriger ».

   Réponses du serveur :
   - réseau coupé, délai dépassé, 5xx, 429 : on réessaie (attente croissante, plafonnée) ;
   - 401 (plus de session) : la file est gardée, un bandeau demande de se reconnecter ;
     400 « csrf » : jeton frais (GET /api/session) puis nouvel essai ;
   - refus qui demande une personne (thème inconnu, temps supprimé, conflit…) : « à corriger ».

   Expose window.ParoleBoite pour les écrans de saisie (saisie.js) et la page « Sur cet appareil »
   (appareil.js). */
(function () {
  "use strict";
  var script = document.currentScript;
  var C = script ? script.dataset : {};
  var DELAI = Number(C.delai) || 10000;          // délai d'un envoi avant de le tenir pour perdu
  var DELAI_MAX = 60000;                          // un réseau plus lent que le délai l'allonge jusque-là
  var delaiCourant = DELAI;
  var ATTENTES = [2000, 4000, 8000, 15000];       // attente entre deux essais ratés (plafond en ligne)
  var ATTENTE_HORS_LIGNE = 30000;
  var LOT_MAX = 100, HISTORIQUE_MAX = 50;  // paroles déjà envoyées gardées pour « annuler » et « dernières paroles »
  var canal = window.BroadcastChannel ? new BroadcastChannel("parole-boite") : null;
  var abonnes = [];
  var etat = { connexion: C.connecte ? "ok" : "requise", reseau: "inconnu", base: "inconnue", essai: 0,
               attente: 0, aCorriger: 0, annulations: 0, parTemps: {} };
  var jeton = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var tailleLot = 50, minuterie = null, vidageLocal = false;

  // --- IndexedDB ---------------------------------------------------------------------------
  var basePromesse = null;
  function ouvrirBase() {
    if (basePromesse) return basePromesse;
    basePromesse = new Promise(function (ok, ko) {
      if (!window.indexedDB) { ko(new Error("IndexedDB indisponible")); return; }
      var demande;
      try { demande = indexedDB.open("parole", 1); } catch (e) { ko(e); return; }
      demande.onupgradeneeded = function () {
        var base = demande.result;
        var envois = base.createObjectStore("envois", { keyPath: "ordre", autoIncrement: true });
        envois.createIndex("cle", "cle", { unique: true });
        var historique = base.createObjectStore("historique", { keyPath: "client_uuid" });
        historique.createIndex("ordre", "ordre");
        base.createObjectStore("temps", { keyPath: "id" });
        base.createObjectStore("meta", { keyPath: "cle" });
      };
      demande.onsuccess = function () {
        var base = demande.result;
        base.onversionchange = function () { base.close(); basePromesse = null; };
        ok(base);
      };
      demande.onerror = function () { ko(demande.error || new Error("IndexedDB refusée")); };
      demande.onblocked = function () { ko(new Error("IndexedDB bloquée par un autre onglet")); };
    });
    basePromesse.then(function () { etat.base = "ok"; }, function () { etat.base = "indisponible"; basePromesse = null; });
    return basePromesse;
  }

  // Une transaction : `travail(magasins, rendre)` fait ses requêtes en rappels ; la promesse est
  // tenue quand la transaction est écrite sur l'appareil (oncomplete), pas avant.
  function transaction(noms, mode, travail) {
    return ouvrirBase().then(function (base) {
      return new Promise(function (ok, ko) {
        var t, resultat;
        try { t = base.transaction(noms, mode); } catch (e) { ko(e); return; }
        t.oncomplete = function () { ok(resultat); };
        t.onerror = function (ev) { ev.preventDefault(); ko(t.error || (ev.target && ev.target.error)); };
        t.onabort = function () { ko(t.error || new Error("Écriture annulée")); };
        var magasins = {};
        noms.forEach(function (nom) { magasins[nom] = t.objectStore(nom); });
        try { travail(magasins, function (r) { resultat = r; }); } catch (e) { try { t.abort(); } catch (e2) { /* déjà close */ } ko(e); }
      });
    });
  }
  function tout(magasin, rappel) {
    var liste = [];
    magasin.openCursor().onsuccess = function (ev) {
      var curseur = ev.target.result;
      if (curseur) { liste.push(curseur.value); curseur.continue(); } else { rappel(liste); }
    };
  }

  // --- Petits outils ------------------------------------------------------------------------
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var o = crypto.getRandomValues(new Uint8Array(16));
    o[6] = (o[6] & 15) | 64; o[8] = (o[8] & 63) | 128;
    var h = Array.prototype.map.call(o, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  // Extrait coupé en graphèmes (ce qu'on voit comme un caractère) : ni un émoji composé (famille, drapeau,
  // couleur de peau), ni une lettre accentuée décomposée ne sont coupés en deux. Sans Intl.Segmenter
  // (vieux navigateurs), en points de code.
  var segmenteur = window.Intl && Intl.Segmenter ? new Intl.Segmenter("fr", { granularity: "grapheme" }) : null;
  function graphemes(texte) {
    if (!segmenteur) return Array.from(texte);
    return Array.from(segmenteur.segment(texte), function (s) { return s.segment; });
  }
  function extrait(texte, n) {
    var car = graphemes(String(texte || ""));
    return car.length > n ? car.slice(0, n).join("") + "…" : car.join("");
  }
  function pluriel(n, un, plusieurs) { return n + " " + (n === 1 ? un : plusieurs); }
  function prevenir(raison) {
    etat.raison = raison || "";
    abonnes.forEach(function (fn) { try { fn(etat); } catch (e) { /* un abonné cassé ne bloque pas la file */ } });
  }
  function diffuser(type) { if (canal) canal.postMessage({ type: type }); }

  function requete(url, options) {
    var controle = window.AbortController ? new AbortController() : null;
    var minute = setTimeout(function () { if (controle) controle.abort(); }, delaiCourant);
    var opts = Object.assign({ credentials: "same-origin", signal: controle ? controle.signal : undefined }, options || {});
    opts.headers = Object.assign({ "Accept": "application/json", "X-CSRFToken": jeton }, opts.headers || {});
    return fetch(url, opts).then(function (r) {
      return r.text().then(function (texte) {
        clearTimeout(minute);
        var corps = {};
        try { corps = texte ? JSON.parse(texte) : {}; } catch (e) { corps = {}; }
        return { statut: r.status, corps: corps, entetes: r.headers };
      });
    }, function (erreur) { clearTimeout(minute); throw erreur; });
  }
  function posterJson(url, corps) {
    return requete(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(corps) });
  }
  function rafraichirJeton() {
    return requete(C.session).then(function (r) {
      if (r.statut === 200 && r.corps.csrf) { jeton = r.corps.csrf; return true; }
      if (r.statut === 401) { etat.connexion = "requise"; }
      return false;
    });
  }

  // --- Comptes --------------------------------------------------------------------------------
  function recompter() {
    return transaction(["envois"], "readonly", function (m, rendre) {
      tout(m.envois, function (liste) { rendre(liste); });
    }).then(function (liste) {
      var attente = 0, corriger = 0, annulations = 0, parTemps = {};
      liste.forEach(function (e) {
        if (e.etat === "a_corriger") { corriger += 1; return; }
        var t = parTemps[e.temps] || (parTemps[e.temps] = { paroles: 0, annulations: 0 });
        if (e.type === "annulation") { annulations += 1; if (e.envoyee) t.annulations += 1; } else { attente += 1; t.paroles += 1; }
      });
      etat.attente = attente; etat.aCorriger = corriger; etat.annulations = annulations; etat.parTemps = parTemps;
      etat.pret = true;  // la file a été lue au moins une fois
      afficher();
      prevenir();
      return etat;
    }, function () { afficher(); return etat; });
  }

  // --- Dépôt, annulation, correction ------------------------------------------------------------
  // parole = {client_uuid, temps, ecran, donnees: {texte, question, nature, profil, …}}
  function deposer(parole) {
    var entree = {
      cle: parole.client_uuid, type: "parole", client_uuid: parole.client_uuid, temps: parole.temps,
      ecran: parole.ecran || "parole", donnees: parole.donnees, etat: "attente", erreur: null, tentatives: 0,
      depose_le: new Date().toISOString(), utilisateur: C.utilisateur || ""
    };
    return transaction(["envois", "historique"], "readwrite", function (m, rendre) {
      m.envois.add(entree).onsuccess = function (ev) {
        entree.ordre = ev.target.result;
        m.historique.put({ client_uuid: entree.client_uuid, ordre: entree.ordre, temps: entree.temps, ecran: entree.ecran,
                           extrait: extrait(entree.donnees.texte, 200), etat: "attente", depose_le: entree.depose_le });
        rendre(entree);
      };
    }).then(function (e) {
      demanderStockagePersistant();
      diffuser("depot");
      recompter();
      planifier(0);
      return e;
    });
  }

  // La dernière parole de ce temps saisie sur cet appareil : retirée de la file si elle y est encore,
  // sinon une annulation part au serveur (tout de suite, ou dès le retour du réseau).
  function annulerDerniere(temps) {
    var trouve = null;
    return transaction(["envois", "historique"], "readwrite", function (m, rendre) {
      var index = m.historique.index("ordre");
      index.openCursor(null, "prev").onsuccess = function (ev) {
        var curseur = ev.target.result;
        if (!curseur) { rendre(null); return; }
        var h = curseur.value;
        if (h.temps !== temps || h.etat === "annulee" || h.etat === "a_corriger") { curseur.continue(); return; }
        trouve = h;
        m.envois.index("cle").get(h.client_uuid).onsuccess = function (ev2) {
          var envoi = ev2.target.result;
          if (envoi) m.envois.delete(envoi.ordre);
          // Encore sur l'appareil et jamais parti : rien à dire au serveur.
          var aDire = !envoi || envoi.tentatives > 0;
          if (aDire) {
            // `envoyee` : le serveur l'a confirmée, le compteur du temps la retire déjà ; sinon (envoi
            // tenté sans réponse) on prévient le serveur sans toucher au compteur.
            m.envois.put({ cle: "annulation:" + h.client_uuid, type: "annulation", client_uuid: h.client_uuid, temps: temps,
                           etat: "attente", erreur: null, tentatives: 0, depose_le: new Date().toISOString(),
                           extrait: h.extrait, envoyee: !envoi });
          }
          h.etat = "annulee";
          curseur.update(h);
          rendre({ extrait: h.extrait, serveur: aDire, etaitEnvoyee: !envoi });
        };
      };
    }).then(function (r) {
      diffuser("depot");
      recompter();
      if (r && r.serveur) planifier(0);
      return r;
    });
  }

  function lister() {
    return transaction(["envois", "historique", "temps"], "readonly", function (m, rendre) {
      var r = {};
      tout(m.envois, function (envois) {
        r.envois = envois;
        tout(m.historique, function (historique) {
          r.historique = historique.sort(function (a, b) { return b.ordre - a.ordre; });
          tout(m.temps, function (temps) { r.temps = temps; rendre(r); });
        });
      });
    });
  }

  // Correction d'une parole « à corriger » : nouvelles données, éventuellement un autre temps ou un
  // nouvel identifiant (après un conflit, pour l'envoyer comme une nouvelle parole).
  function corriger(ordre, donnees, options) {
    options = options || {};
    return transaction(["envois", "historique"], "readwrite", function (m, rendre) {
      m.envois.get(ordre).onsuccess = function (ev) {
        var e = ev.target.result;
        if (!e) { rendre(null); return; }
        m.envois.delete(ordre);
        m.historique.delete(e.client_uuid);
        var ancien = e.client_uuid;
        if (options.nouvelIdentifiant) e.client_uuid = uuid();
        if (options.temps) e.temps = options.temps;
        e.cle = e.client_uuid; e.donnees = donnees; e.etat = "attente"; e.erreur = null; e.tentatives = 0;
        delete e.ordre;  // reprend sa place en fin de file
        m.envois.add(e).onsuccess = function (ev2) {
          e.ordre = ev2.target.result;
          m.historique.put({ client_uuid: e.client_uuid, ordre: e.ordre, temps: e.temps, ecran: e.ecran,
                             extrait: extrait(donnees.texte, 200), etat: "attente", depose_le: e.depose_le, remplace: ancien });
          rendre(e);
        };
      };
    }).then(function (e) { diffuser("depot"); recompter(); planifier(0); return e; });
  }

  // Suppression explicite (la page demande confirmation avant).
  function supprimer(ordre) {
    return transaction(["envois", "historique"], "readwrite", function (m, rendre) {
      m.envois.get(ordre).onsuccess = function (ev) {
        var e = ev.target.result;
        if (!e) { rendre(null); return; }
        m.envois.delete(ordre);
        if (e.type === "parole") m.historique.delete(e.client_uuid);
        rendre(e);
      };
    }).then(function (e) { diffuser("depot"); recompter(); return e; });
  }

  // --- Temps de collecte emportés ---------------------------------------------------------------
  function enregistrerTemps(description) {
    return transaction(["temps"], "readwrite", function (m, rendre) {
      m.temps.get(description.id).onsuccess = function (ev) {
        var ancien = ev.target.result || {};
        // Une page rouverte depuis le cache décrit le temps tel qu'il était : la fiche plus récente reste.
        if (ancien.genere_le && description.genere_le && ancien.genere_le > description.genere_le) { rendre(ancien); return; }
        var fiche = Object.assign({}, ancien, description, { pris_le: ancien.pris_le || new Date().toISOString() });
        // Le compteur le plus récent (heure du serveur) l'emporte : une page rouverte depuis le cache est ancienne.
        if (ancien.compteur_le && description.genere_le && ancien.compteur_le > description.genere_le) {
          fiche.compteur = ancien.compteur; fiche.compteur_le = ancien.compteur_le;
        } else {
          fiche.compteur_le = description.genere_le || ancien.compteur_le || "";
        }
        m.temps.put(fiche);
        rendre(fiche);
      };
    });
  }
  function lireTemps(id) {
    return transaction(["temps"], "readonly", function (m, rendre) {
      m.temps.get(id).onsuccess = function (ev) { rendre(ev.target.result || null); };
    });
  }
  function noterCompteurs(compteurs, heure) {
    var ids = Object.keys(compteurs || {});
    if (!ids.length) return Promise.resolve();
    return transaction(["temps"], "readwrite", function (m) {
      ids.forEach(function (id) {
        m.temps.get(Number(id)).onsuccess = function (ev) {
          var fiche = ev.target.result;
          if (!fiche || (fiche.compteur_le && heure && fiche.compteur_le > heure)) return;
          fiche.compteur = compteurs[id]; fiche.compteur_le = heure || fiche.compteur_le;
          m.temps.put(fiche);
        };
      });
    }).then(function () { diffuser("compteurs"); prevenir("compteurs"); }, function () { /* sans base : rien à noter */ });
  }
  function urlsAGarder(fiche) { return [fiche.urls.parole, fiche.urls.postits, C.appareil]; }
  function garderPages(urls) {
    if (!window.caches) return Promise.resolve(false);
    return caches.open(C.cachePages).then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return fetch(url, { credentials: "same-origin", headers: { "X-Parole-Prechargement": "1" } }).then(function (r) {
          if (r.ok && r.headers.get("X-Parole-Hors-Ligne") === "1" && !r.redirected) return cache.put(url, r).then(function () { return true; });
          return false;
        }, function () { return false; });
      }));
    }).then(function (oks) { return oks.every(Boolean); }, function () { return false; });
  }
  function pageGardee(url) {
    if (!window.caches) return Promise.resolve(false);
    return caches.open(C.cachePages).then(function (cache) { return cache.match(url, { ignoreVary: true }); }).then(Boolean, function () { return false; });
  }
  // « Emporter sur cet appareil » : la fiche du temps (thèmes, questions) et ses écrans, pour saisir sans réseau.
  function emporter(tempsId) {
    return requete(C.temps.replace(/0$/, String(tempsId))).then(function (r) {
      if (r.statut !== 200) throw new Error(r.corps.erreur || ("Erreur " + r.statut));
      return enregistrerTemps(r.corps);
    }).then(function (fiche) {
      return garderPages(urlsAGarder(fiche)).then(function (ok) { diffuser("temps"); return { fiche: fiche, horsLigne: ok }; });
    });
  }
  // Relit la fiche d'un temps sur le serveur ; un temps supprimé est marqué comme tel (on le garde
  // pour montrer d'où vient une parole à corriger, mais on ne le propose plus).
  function rafraichirTemps(tempsId) {
    return requete(C.temps.replace(/0$/, String(tempsId))).then(function (r) {
      if (r.statut === 200) return enregistrerTemps(r.corps);
      if (r.statut === 404) {
        return transaction(["temps"], "readwrite", function (m, rendre) {
          m.temps.get(tempsId).onsuccess = function (ev) {
            var fiche = ev.target.result;
            if (fiche) { fiche.supprime = true; m.temps.put(fiche); }
            rendre(fiche || null);
          };
        });
      }
      return null;
    });
  }
  function oublierTemps(tempsId) {
    return lireTemps(tempsId).then(function (fiche) {
      return transaction(["temps"], "readwrite", function (m) { m.temps.delete(tempsId); }).then(function () {
        if (!fiche || !window.caches || !fiche.urls) return null;
        return caches.open(C.cachePages).then(function (cache) {
          return Promise.all([cache.delete(fiche.urls.parole, { ignoreVary: true }), cache.delete(fiche.urls.postits, { ignoreVary: true })]);
        });
      });
    }).then(function () { diffuser("temps"); });
  }
  // Autre compte sur cet appareil, ou déconnexion : les pages gardées, les fiches des temps et l'historique
  // des paroles déjà envoyées partent ; jamais la file d'attente (ni les paroles « à corriger »).
  function oublierPages() {
    var fin = transaction(["temps", "historique"], "readwrite", function (m) {
      m.temps.clear();
      m.historique.openCursor().onsuccess = function (ev) {
        var curseur = ev.target.result;
        if (!curseur) return;
        if (curseur.value.etat === "envoyee" || curseur.value.etat === "annulee") curseur.delete();
        curseur.continue();
      };
    }).catch(function () {});
    if (window.caches) fin = fin.then(function () { return caches.delete(C.cachePages); });
    return fin.then(function () { diffuser("temps"); });
  }

  // --- Vidage de la file ----------------------------------------------------------------------
  function planifier(ms) {
    if (minuterie) clearTimeout(minuterie);
    minuterie = setTimeout(function () { minuterie = null; vider(); }, ms);
  }
  function attenteSuivante(reponse) {
    etat.essai += 1;
    var ms = ATTENTES[Math.min(etat.essai - 1, ATTENTES.length - 1)];
    var apres = reponse && reponse.entetes && Number(reponse.entetes.get("Retry-After"));
    if (apres > 0) ms = Math.max(ms, apres * 1000);
    if (navigator.onLine === false) ms = ATTENTE_HORS_LIGNE;
    etat.prochainEssai = Date.now() + ms;
    planifier(ms);
  }

  function vider() {
    if (!C.connecte || !C.ecriture || etat.connexion === "requise") return Promise.resolve();
    if (navigator.locks && navigator.locks.request) {
      // Un seul onglet envoie à la fois ; les autres voient le résultat par le canal de diffusion.
      return navigator.locks.request("parole-envois", { ifAvailable: true }, function (verrou) {
        return verrou ? viderSousVerrou() : null;
      });
    }
    if (vidageLocal) return Promise.resolve();
    vidageLocal = true;
    return viderSousVerrou().then(function () { vidageLocal = false; }, function () { vidageLocal = false; });
  }

  function prochainLot() {
    return transaction(["envois"], "readonly", function (m, rendre) {
      var lot = [], taille = 0;
      m.envois.openCursor().onsuccess = function (ev) {
        var curseur = ev.target.result;
        if (!curseur) { rendre(lot); return; }
        var e = curseur.value;
        if (e.etat !== "attente") { curseur.continue(); return; }
        // Une annulation part seule, à son rang : l'ordre de la file est respecté.
        if (e.type === "annulation") { rendre(lot.length ? lot : [e]); return; }
        taille += (e.donnees.texte || "").length;
        lot.push(e);
        if (lot.length >= tailleLot || taille > 500000) { rendre(lot); return; }
        curseur.continue();
      };
    });
  }

  function noterTentative(lot) {
    return transaction(["envois"], "readwrite", function (m) {
      lot.forEach(function (e) {
        m.envois.get(e.ordre).onsuccess = function (ev) {
          var frais = ev.target.result;
          if (frais) { frais.tentatives = (frais.tentatives || 0) + 1; m.envois.put(frais); }
        };
      });
    });
  }

  function envoyerLot(lot) {
    if (lot[0].type === "annulation") return posterJson(C.annulation.replace("UUID", lot[0].client_uuid), {});
    return posterJson(C.lot, { contributions: lot.map(function (e) {
      return Object.assign({ client_uuid: e.client_uuid, temps: e.temps }, e.donnees);
    }) });
  }

  // Applique les résultats du serveur : sortie de file (enregistrée, annulée) ou « à corriger ».
  function appliquer(lot, reponse) {
    var parUuid = {};
    if (lot[0].type === "annulation") {
      parUuid[lot[0].client_uuid] = reponse.statut === 200
        ? { statut: "annulation_faite" }
        : { statut: "refusee", erreur: reponse.corps.erreur || ("Erreur " + reponse.statut), code: reponse.statut };
    } else {
      (reponse.corps.resultats || []).forEach(function (r) { if (r && r.client_uuid) parUuid[r.client_uuid] = r; });
    }
    return transaction(["envois", "historique"], "readwrite", function (m) {
      lot.forEach(function (e) {
        var r = parUuid[e.client_uuid];
        if (!r) return;  // pas de résultat pour elle : elle reste en file
        var sortie = r.statut === "creee" || r.statut === "deja_enregistree" || r.statut === "annulee" || r.statut === "annulation_faite";
        m.envois.get(e.ordre).onsuccess = function (ev) {
          var frais = ev.target.result;
          if (!frais) return;
          if (sortie) {
            m.envois.delete(e.ordre);
          } else {
            frais.etat = "a_corriger";
            frais.erreur = { message: r.erreur || "Refusée par le serveur.", champ: r.champ || null, code: r.statut, id: r.id || null };
            m.envois.put(frais);
          }
        };
        if (e.type === "annulation") return;
        m.historique.get(e.client_uuid).onsuccess = function (ev) {
          var h = ev.target.result;
          if (!h) return;
          h.etat = r.statut === "creee" || r.statut === "deja_enregistree" ? "envoyee" : (r.statut === "annulee" ? "annulee" : "a_corriger");
          if (r.id) h.id_serveur = r.id;
          m.historique.put(h);
        };
      });
    }).then(function () {
      // Refus lié au livre de codes ou au temps : la fiche gardée est périmée, on la relit (le réseau est là).
      var aRelire = {};
      lot.forEach(function (e) {
        var r = parUuid[e.client_uuid];
        if (r && r.statut === "refusee" && e.type === "parole") aRelire[e.temps] = true;
      });
      return Promise.all(Object.keys(aRelire).map(function (id) { return rafraichirTemps(Number(id)).catch(function () {}); }));
    }).then(function () {
      return noterCompteurs(reponse.corps.compteurs, reponse.corps.heure);
    });
  }

  function purgerHistorique() {
    return transaction(["historique"], "readwrite", function (m) {
      var vus = 0;
      m.historique.index("ordre").openCursor(null, "prev").onsuccess = function (ev) {
        var curseur = ev.target.result;
        if (!curseur) return;
        var h = curseur.value;
        if (h.etat === "envoyee" || h.etat === "annulee") {
          vus += 1;
          if (vus > HISTORIQUE_MAX) curseur.delete();
        }
        curseur.continue();
      };
    });
  }

  function viderSousVerrou() {
    var jetonRafraichi = false;
    function tour() {
      if (etat.connexion === "requise") return Promise.resolve();
      return prochainLot().then(function (lot) {
        if (!lot.length) { etat.essai = 0; etat.prochainEssai = null; return purgerHistorique().then(recompter); }
        etat.envoiEnCours = lot.length; prevenir("envoi");
        return noterTentative(lot).then(function () { return envoyerLot(lot); }).then(function (reponse) {
          etat.envoiEnCours = 0;
          if (reponse.statut === 401) {
            etat.connexion = "requise";
            return recompter();
          }
          if (reponse.statut === 400 && reponse.corps.code === "csrf" && !jetonRafraichi) {
            jetonRafraichi = true;
            return rafraichirJeton().then(function (ok) { return ok ? tour() : recompter(); });
          }
          if (reponse.statut === 403 && lot[0].type !== "annulation") {
            etat.connexion = "role";
            return recompter();
          }
          if (reponse.statut === 413 && lot.length > 1) {
            tailleLot = Math.max(1, Math.floor(lot.length / 2));
            return tour();
          }
          var lisible = lot[0].type === "annulation"
            ? reponse.statut === 200 || (reponse.statut >= 400 && reponse.statut < 500 && reponse.statut !== 429 && reponse.statut !== 408)
            : reponse.statut === 200 && Array.isArray(reponse.corps.resultats);
          if (!lisible && reponse.statut === 413) {
            reponse = { statut: 200, corps: { resultats: [{ client_uuid: lot[0].client_uuid, statut: "refusee",
              erreur: "Parole trop volumineuse pour le serveur : raccourcissez-la." }] } };
            lisible = true;
          }
          if (!lisible) {  // 5xx, 429, réponse incomprise : on réessaie plus tard
            etat.reseau = "erreur";
            attenteSuivante(reponse);
            return recompter();
          }
          etat.reseau = "ok"; etat.essai = 0; etat.derniereReussite = Date.now(); delaiCourant = DELAI;
          if (tailleLot < LOT_MAX) tailleLot = Math.min(LOT_MAX, tailleLot * 2);
          return appliquer(lot, reponse).then(function () { diffuser("envoi"); return recompter(); }).then(tour);
        }, function (erreur) {  // réseau coupé ou délai dépassé : la parole reste en file, telle quelle
          etat.envoiEnCours = 0;
          etat.reseau = "hors_ligne";
          tailleLot = Math.max(1, Math.floor(tailleLot / 2));
          // Délai dépassé : le réseau est plus lent que prévu ; on attendra plus longtemps la fois suivante
          // (sinon un serveur qui enregistre en 12 s ne serait jamais entendu).
          if (erreur && erreur.name === "AbortError") delaiCourant = Math.min(DELAI_MAX, delaiCourant * 2);
          attenteSuivante(null);
          return recompter();
        });
      });
    }
    return tour().catch(function () { attenteSuivante(null); });
  }

  // Envoi direct, sans file (appareil qui ne peut rien garder : navigation privée stricte, stockage plein).
  function envoyerDirect(parole) {
    return posterJson(C.lot, { contributions: [Object.assign({ client_uuid: parole.client_uuid, temps: parole.temps }, parole.donnees)] })
      .then(function (reponse) {
        if (reponse.statut === 200 && reponse.corps.resultats) {
          var r = reponse.corps.resultats[0];
          noterCompteurs(reponse.corps.compteurs, reponse.corps.heure);
          return r;
        }
        if (reponse.statut === 401) { etat.connexion = "requise"; afficher(); }
        return { statut: "erreur", code: reponse.statut, erreur: reponse.corps.erreur || ("Erreur " + reponse.statut) };
      });
  }

  // --- Stockage persistant ----------------------------------------------------------------------
  var persistanceDemandee = false;
  function demanderStockagePersistant() {
    if (persistanceDemandee || !navigator.storage || !navigator.storage.persist) return;
    persistanceDemandee = true;
    navigator.storage.persisted().then(function (deja) { return deja || navigator.storage.persist(); })
      .then(function (ok) { etat.persistant = ok; prevenir("stockage"); }, function () {});
  }
  function infosStockage() {
    var s = navigator.storage;
    if (!s || !s.estimate) return Promise.resolve({});
    return Promise.all([s.estimate(), s.persisted ? s.persisted() : Promise.resolve(false)])
      .then(function (v) { return { utilise: v[0].usage, quota: v[0].quota, persistant: v[1] }; }, function () { return {}; });
  }

  // --- Affichage commun : pastille et bandeau -----------------------------------------------------
  function afficher() {
    var enFile = etat.attente + etat.annulations;
    document.querySelectorAll("[data-boite-compte]").forEach(function (el) {
      var n = enFile + etat.aCorriger;
      el.hidden = n === 0;
      el.textContent = String(n);
      el.classList.toggle("a-corriger", etat.aCorriger > 0);
      el.setAttribute("aria-label", pluriel(etat.attente, "parole", "paroles") + " en attente, " + etat.aCorriger + " à corriger");
    });
    var bandeau = document.getElementById("bandeau-boite");
    if (!bandeau) return;
    var lignes = [];
    var ici = location.pathname + location.search;
    if (etat.attente && !C.connecte) {
      lignes.push({ texte: pluriel(etat.attente, "parole attend", "paroles attendent") + " sur cet appareil : elles partiront dès que vous serez connecté·e." });
    } else if (etat.attente && etat.connexion === "requise") {
      lignes.push({ texte: "Reconnectez-vous pour envoyer " + pluriel(etat.attente, "parole", "paroles") + " gardée" + (etat.attente > 1 ? "s" : "") + " sur cet appareil.",
                    lien: C.connexion + "?next=" + encodeURIComponent(ici), libelle: "Se reconnecter" });
    } else if (etat.attente && etat.connexion === "role") {
      lignes.push({ texte: "Ce compte ne peut pas envoyer de paroles : " + pluriel(etat.attente, "parole reste", "paroles restent") + " sur l'appareil. Connectez-vous avec un compte animateur·rice.",
                    lien: C.connexion + "?next=" + encodeURIComponent(ici), libelle: "Changer de compte" });
    }
    if (etat.aCorriger && C.connecte && location.pathname !== C.appareil) {
      lignes.push({ texte: pluriel(etat.aCorriger, "parole est", "paroles sont") + " à corriger sur cet appareil : le serveur les a refusées.",
                    lien: C.appareil + "#a-corriger", libelle: "Voir et corriger" });
    }
    bandeau.textContent = "";
    lignes.forEach(function (l) {
      var p = document.createElement("p");
      p.textContent = l.texte + " ";
      if (l.lien) {
        var a = document.createElement("a");
        a.href = l.lien; a.textContent = l.libelle; a.className = "bouton mini";
        p.appendChild(a);
      }
      bandeau.appendChild(p);
    });
    bandeau.hidden = lignes.length === 0;
  }

  // --- Démarrage --------------------------------------------------------------------------------
  function changementDeCompte() {
    if (!C.connecte) return Promise.resolve();
    return transaction(["meta"], "readwrite", function (m, rendre) {
      m.meta.get("utilisateur").onsuccess = function (ev) {
        var avant = ev.target.result;
        m.meta.put({ cle: "utilisateur", valeur: C.utilisateur });
        rendre(avant && avant.valeur !== C.utilisateur);
      };
    }).then(function (change) { if (change) return oublierPages(); }, function () {});
  }

  function installerServiceWorker() {
    if (!C.connecte || !C.ecriture || !("serviceWorker" in navigator) || !C.sw) return;
    navigator.serviceWorker.register(C.sw).catch(function () { /* HTTP sans TLS : pas d'ouverture hors ligne, la file marche */ });
  }

  function brancherDeconnexion() {
    document.querySelectorAll('form[action$="/comptes/deconnexion"]').forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        if (etat.attente + etat.aCorriger > 0 && !window.confirm(
          pluriel(etat.attente + etat.aCorriger, "parole n'est", "paroles ne sont") + " pas encore sur le serveur. Elles restent sur cet appareil " +
          "et partiront à la prochaine connexion. Se déconnecter quand même ?")) { ev.preventDefault(); return; }
        ev.preventDefault();
        oublierPages().then(function () { form.submit(); }, function () { form.submit(); });
      });
    });
  }

  // Boutons « Emporter sur cet appareil » (liste et fiche des temps de collecte).
  function brancherEmporter() {
    var boutons = document.querySelectorAll("[data-emporter]");
    if (!boutons.length || !window.indexedDB) return;
    lister().then(function (r) {
      var pris = {};
      (r.temps || []).forEach(function (t) { pris[t.id] = t; });
      boutons.forEach(function (bouton) {
        var id = Number(bouton.dataset.emporter);
        var etiquette = document.createElement("span");
        etiquette.className = "etat-emporte"; etiquette.setAttribute("role", "status");
        bouton.after(etiquette);
        bouton.hidden = false;
        if (pris[id]) etiquette.textContent = "✓ Sur cet appareil";
        bouton.addEventListener("click", function () {
          bouton.disabled = true; etiquette.textContent = "Préparation…";
          emporter(id).then(function (r2) {
            etiquette.textContent = r2.horsLigne ? "✓ Sur cet appareil, utilisable sans réseau" : "✓ Sur cet appareil (ouverture hors ligne impossible sur ce navigateur)";
          }, function (erreur) {
            etiquette.textContent = "Impossible de le préparer : " + erreur.message;
          }).then(function () { bouton.disabled = false; });
        });
      });
    }, function () {});
  }

  window.ParoleBoite = {
    etat: etat, uuid: uuid, extrait: extrait, pluriel: pluriel,
    deposer: deposer, annulerDerniere: annulerDerniere, corriger: corriger, supprimer: supprimer, lister: lister,
    vider: function () { etat.essai = 0; return vider(); }, recompter: recompter, envoyerDirect: envoyerDirect,
    enregistrerTemps: enregistrerTemps, lireTemps: lireTemps, emporter: emporter, oublierTemps: oublierTemps,
    rafraichirTemps: rafraichirTemps,
    garderPages: garderPages, garderEcrans: function (fiche) { return garderPages(urlsAGarder(fiche)); }, pageGardee: pageGardee, infosStockage: infosStockage,
    base: ouvrirBase, rafraichirJeton: rafraichirJeton,
    surChangement: function (fn) { abonnes.push(fn); }
  };

  if (canal) canal.onmessage = function () { recompter(); };
  window.addEventListener("online", function () { etat.essai = 0; planifier(0); });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") planifier(0); });
  installerServiceWorker();
  brancherDeconnexion();
  document.addEventListener("DOMContentLoaded", brancherEmporter);
  ouvrirBase().then(changementDeCompte).then(recompter).then(function () { planifier(0); }, function () { afficher(); prevenir("base"); });
  // Au moins toutes les quelques secondes tant que quelque chose attend (le réseau revient sans prévenir).
  setInterval(function () {
    if ((etat.attente || etat.annulations) && !minuterie && etat.connexion === "ok") vider();
  }, 5000);
})();
