/* Service worker de Parole : ouvrir les écrans de terrain sans réseau.

   - Fichiers statiques des écrans de terrain : préchargés à l'installation, servis depuis le cache
     (renouvelés à chaque déploiement : VERSION est l'empreinte des fichiers).
   - Pages : réseau d'abord ; une page marquée « X-Parole-Hors-Ligne » par le serveur (écran de saisie,
     post-its, « Sur cet appareil ») est gardée. Sans réseau, ou s'il ne répond pas en quelques
     secondes, la copie gardée est servie ; sinon une page « hors ligne » qui mène aux écrans gardés.
   - Jamais les envois : la file d'attente (boite.js) s'en charge, depuis la page.
   Servi par Flask à /sw.js (portée : tout le site) ; VERSION, STATIQUES, CACHE_PAGES et PAGE_APPAREIL
   y sont écrits par collecte/views/terrain.py. */
"use strict";
var VERSION = "__VERSION__";
var STATIQUES = ["__STATIQUES__"];
var CACHE_PAGES = "__CACHE_PAGES__";
var PAGE_APPAREIL = "__APPAREIL__";
var CACHE_STATIQUES = "parole-statiques-" + VERSION;
var DELAI_PAGE = 4000;

self.addEventListener("install", function (ev) {
  ev.waitUntil(caches.open(CACHE_STATIQUES).then(function (cache) { return cache.addAll(STATIQUES); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (ev) {
  ev.waitUntil(caches.keys().then(function (noms) {
    return Promise.all(noms.filter(function (nom) { return nom.indexOf("parole-statiques-") === 0 && nom !== CACHE_STATIQUES; })
      .map(function (nom) { return caches.delete(nom); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (ev) {
  var requete = ev.request;
  if (requete.method !== "GET") return;
  var url = new URL(requete.url);
  if (url.origin !== self.location.origin) return;
  if (STATIQUES.indexOf(url.pathname) !== -1) { ev.respondWith(statique(requete)); return; }
  if (requete.mode === "navigate") ev.respondWith(page(requete, ev));
});

function statique(requete) {
  return caches.open(CACHE_STATIQUES).then(function (cache) {
    return cache.match(requete, { ignoreSearch: true }).then(function (copie) {
      return copie || fetch(requete).then(function (reponse) {
        if (reponse.ok) cache.put(requete, reponse.clone());
        return reponse;
      });
    });
  });
}

function cleDePage(url) {
  var u = new URL(url);
  return u.origin + u.pathname;
}

function attendre(ms) { return new Promise(function (ok) { setTimeout(ok, ms); }); }

function page(requete, ev) {
  var cle = cleDePage(requete.url);
  return caches.open(CACHE_PAGES).then(function (cache) {
    return cache.match(cle, { ignoreVary: true }).then(function (copie) {
      var reseau = fetch(requete).then(function (reponse) {
        if (reponse.ok && reponse.headers.get("X-Parole-Hors-Ligne") === "1" && !reponse.redirected) {
          return cache.put(cle, reponse.clone()).then(function () { return reponse; }, function () { return reponse; });
        }
        return reponse;
      });
      if (!copie) return reseau.catch(function () { return pageHorsLigne(); });
      ev.waitUntil(reseau.catch(function () {}));  // la copie sera à jour la prochaine fois
      var reseauOuCopie = reseau.then(function (reponse) { return reponse.status >= 500 ? copie : reponse; },
                                      function () { return copie; });
      return Promise.race([reseauOuCopie, attendre(DELAI_PAGE).then(function () { return copie; })]);
    });
  });
}

function pageHorsLigne() {
  var html = '<!doctype html><html lang="fr"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Hors ligne · Parole</title>' +
    '<link rel="stylesheet" href="' + STATIQUES[0] + '"></head><body><main id="contenu" class="carte etroite">' +
    '<h1>Pas de réseau</h1><p>Cette page n\'a pas été emportée sur cet appareil : elle s\'ouvrira au retour du réseau.</p>' +
    '<p>Les écrans de saisie des temps de collecte emportés, eux, marchent sans réseau, et les paroles saisies ' +
    'restent sur l\'appareil jusqu\'à leur envoi.</p>' +
    '<p><a class="bouton principal" href="' + PAGE_APPAREIL + '">Voir ce qui est sur cet appareil</a></p></main></body></html>';
  return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
}
