// Security keys and biometrics (WebAuthn) on the hosted pages: a form marked
// data-webauthn="get" or "create" asks the browser, fills its hidden fields and submits.
(function () {
  'use strict';
  function fromB64url(text) {
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) { b64 += '='; }
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out.buffer;
  }
  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = '';
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function set(form, name, value) { form.querySelector('input[name="' + name + '"]').value = value; }
  function fail(form, err) {
    var p = document.getElementById('error') || document.createElement('p');
    p.id = 'error'; p.className = 'alert error'; p.setAttribute('role', 'alert');
    p.textContent = 'Your security key could not be used (' + (err && err.name || 'error') + '). Try again.';
    form.parentNode.insertBefore(p, form);
  }
  function get(form) {
    var options = {
      challenge: fromB64url(form.dataset.challenge),
      allowCredentials: [{ type: 'public-key', id: fromB64url(form.dataset.credential) }],
      userVerification: 'preferred'
    };
    navigator.credentials.get({ publicKey: options }).then(function (cred) {
      set(form, 'clientData', toB64url(cred.response.clientDataJSON));
      set(form, 'authenticatorData', toB64url(cred.response.authenticatorData));
      set(form, 'signatureData', toB64url(cred.response.signature));
      form.submit();
    }, function (err) { fail(form, err); });
  }
  function create(form) {
    var a = JSON.parse(form.dataset.options);
    var options = {
      challenge: fromB64url(a.challenge),
      rp: a.rp,
      user: { id: fromB64url(a.user.id), name: a.user.name, displayName: a.user.displayName },
      pubKeyCredParams: a.pubKeyCredParams,
      attestation: a.attestation || 'none',
      authenticatorSelection: a.authenticatorSelection,
      timeout: a.timeout,
      excludeCredentials: (a.excludeCredentials || []).map(function (c) {
        return { type: c.type, id: fromB64url(c.id) };
      })
    };
    navigator.credentials.create({ publicKey: options }).then(function (cred) {
      set(form, 'attestation', toB64url(cred.response.attestationObject));
      set(form, 'clientData', toB64url(cred.response.clientDataJSON));
      form.submit();
    }, function (err) { fail(form, err); });
  }
  document.addEventListener('DOMContentLoaded', function () {
    var form = document.querySelector('form[data-webauthn]');
    if (!form || !window.PublicKeyCredential) { return; }
    var run = form.dataset.webauthn === 'get' ? get : create;
    form.addEventListener('submit', function (e) {
      if (!form.querySelector('input[name="clientData"]').value) { e.preventDefault(); run(form); }
    });
    run(form);
  });
})();
