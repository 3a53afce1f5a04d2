/*
 * Sesame hosted sign-in experience: shared logic for /sign-in and /register.
 * Talks to the same-origin Experience API (Logto wire protocol) with fetch + JSON.
 * Plain ES2017, no frameworks, no inline code (served under a strict CSP).
 */
(function () {
  'use strict';

  var NETWORK_MESSAGE = 'Could not reach the server. Check your connection and try again.';
  var EXPIRED_MESSAGE =
    'Your sign-in session has expired or this page was opened directly. ' +
    'Please go back to the application and start signing in again.';

  var form = document.getElementById('sign-in-form') || document.getElementById('register-form');
  var isRegister = Boolean(form && form.id === 'register-form');
  var byId = function (id) { return document.getElementById(id); };

  /* ---- API ---------------------------------------------------------------- */

  function apiError(code, message, status) {
    var err = new Error(message);
    err.code = code;
    err.status = status || 0;
    return err;
  }

  /**
   * Call the Experience API. Resolves with the parsed JSON body (or null for
   * empty bodies such as 204). Rejects with an Error carrying `code`/`message`.
   */
  async function api(method, path, body) {
    var init = {
      method: method,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      credentials: 'same-origin',
    };
    if (method !== 'GET' && method !== 'HEAD') init.body = JSON.stringify(body === undefined ? {} : body);

    var res;
    try {
      res = await fetch(path, init);
    } catch (_) {
      throw apiError('network_error', NETWORK_MESSAGE);
    }

    var data = null;
    try {
      var text = await res.text();
      data = text ? JSON.parse(text) : null;
    } catch (_) {
      data = null;
    }

    if (!res.ok) {
      var code = data && typeof data.code === 'string' ? data.code : 'unknown';
      var message = data && typeof data.message === 'string' && data.message
        ? data.message
        : 'Something went wrong (HTTP ' + res.status + '). Please try again.';
      throw apiError(code, message, res.status);
    }
    return data;
  }

  /* ---- UI helpers ----------------------------------------------------------- */

  function showError(errOrMessage) {
    var box = byId('error');
    if (!box) return;
    var message = typeof errOrMessage === 'string' ? errOrMessage
      : (errOrMessage && errOrMessage.message) || 'Something went wrong. Please try again.';
    box.textContent = message;
  }

  function clearError() {
    var box = byId('error');
    if (box) box.textContent = '';
    if (form) {
      Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (el) {
        el.removeAttribute('aria-invalid');
      });
    }
  }

  function markInvalid(id) {
    var el = byId(id);
    if (!el) return;
    el.setAttribute('aria-invalid', 'true');
    el.focus();
    if (typeof el.select === 'function') el.select();
  }

  function setBusy(busy) {
    var button = byId('submit');
    if (!form || !button) return;
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.disabled = busy;
    button.textContent = busy ? (button.dataset.busyLabel || 'Please wait…') : button.dataset.label;
    form.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  function endSession() {
    showError(EXPIRED_MESSAGE);
    if (!form) return;
    Array.prototype.forEach.call(form.elements, function (el) { el.disabled = true; });
    form.hidden = true;
  }

  function safeUrl(value, allowData) {
    if (typeof value !== 'string' || !value) return null;
    try {
      var url = new URL(value, window.location.href);
      var ok = url.protocol === 'https:' || url.protocol === 'http:' || (allowData && url.protocol === 'data:');
      return ok ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  /* ---- Flow runner ---------------------------------------------------------- */

  // Which input to highlight for a given API error code.
  var FIELD_FOR_CODE = {
    'session.invalid_credentials': 'password',
    'user.username_already_in_use': 'identifier',
    'password.rejected': 'password',
  };

  /**
   * Run async steps in order, each receiving the previous step's result.
   * Handles the busy state and errors; on success follows `redirectTo`.
   */
  async function runFlow(steps) {
    clearError();
    setBusy(true);
    try {
      var result;
      for (var i = 0; i < steps.length; i++) result = await steps[i](result);
      var target = safeUrl(result && result.redirectTo, false);
      if (!target) throw apiError('unexpected_response', 'Unexpected response from the server. Please try again.');
      window.location.assign(target); // keep the button disabled while navigating
    } catch (err) {
      setBusy(false);
      if (err && err.code === 'session.not_found') {
        endSession();
        return;
      }
      showError(err);
      var field = FIELD_FOR_CODE[err && err.code];
      if (field) markInvalid(field);
    }
  }

  /* ---- Flows ---------------------------------------------------------------- */

  function identifierFor(value) {
    return { type: value.indexOf('@') !== -1 ? 'email' : 'username', value: value };
  }

  function experienceSteps(event, verificationPath, payload) {
    return [
      function () { return api('PUT', '/api/experience', { interactionEvent: event }); },
      function () { return api('POST', verificationPath, payload); },
      function (res) {
        if (!res || !res.verificationId) throw apiError('unexpected_response', 'Unexpected response from the server. Please try again.');
        return api('POST', '/api/experience/identification', { verificationId: res.verificationId });
      },
      function () { return api('POST', '/api/experience/submit'); },
    ];
  }

  function onSubmit(event) {
    event.preventDefault();
    if (byId('submit').disabled) return;
    clearError();

    var identifier = byId('identifier').value.trim();
    var password = byId('password').value;
    if (!identifier) {
      showError(isRegister ? 'Please enter a username.' : 'Please enter your username or email.');
      return markInvalid('identifier');
    }
    if (!password) {
      showError('Please enter a password.');
      return markInvalid('password');
    }

    if (isRegister) {
      if (password !== byId('confirm-password').value) {
        showError('Passwords do not match');
        return markInvalid('confirm-password');
      }
      runFlow(experienceSteps('Register', '/api/experience/verification/new-password-identity', {
        identifier: { type: 'username', value: identifier },
        password: password,
      }));
    } else {
      runFlow(experienceSteps('SignIn', '/api/experience/verification/password', {
        identifier: identifierFor(identifier),
        password: password,
      }));
    }
  }

  /* ---- Sign-in experience config ------------------------------------------- */

  function contrastColor(hex) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex);
    if (!m) return null;
    var h = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
    var rgb = [0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16) / 255; });
    var lum = rgb.map(function (c) { return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); });
    var l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return l > 0.45 ? '#111827' : '#ffffff';
  }

  function applyConfig(cfg) {
    if (!cfg || typeof cfg !== 'object') return;

    if (cfg.signInMode === 'SignIn' && byId('create-account-row')) byId('create-account-row').hidden = true;
    if (cfg.signInMode === 'Register' && byId('sign-in-row')) byId('sign-in-row').hidden = true;

    var logo = safeUrl(cfg.branding && cfg.branding.logoUrl, true);
    if (logo && byId('logo')) {
      byId('logo').src = logo;
      byId('logo').hidden = false;
    }

    var legal = false;
    [['terms-link', cfg.termsOfUseUrl], ['privacy-link', cfg.privacyPolicyUrl]].forEach(function (pair) {
      var link = byId(pair[0]);
      var href = safeUrl(pair[1], false);
      if (link && href) {
        link.href = href;
        link.hidden = false;
        legal = true;
      }
    });
    if (legal && byId('legal')) byId('legal').hidden = false;

    var color = cfg.color && cfg.color.primaryColor;
    if (typeof color === 'string' && (!window.CSS || !CSS.supports || CSS.supports('color', color))) {
      document.documentElement.style.setProperty('--primary', color);
      var text = contrastColor(color);
      if (text) document.documentElement.style.setProperty('--primary-text', text);
    }

    // Narrow the sign-in label when only one identifier type is enabled.
    var methods = cfg.signIn && Array.isArray(cfg.signIn.methods) ? cfg.signIn.methods : [];
    var kinds = methods.map(function (m) { return m && m.identifier; });
    var label = byId('identifier-label');
    if (label && kinds.length) {
      var user = kinds.indexOf('username') !== -1;
      var email = kinds.indexOf('email') !== -1;
      if (user && !email) label.textContent = 'Username';
      else if (email && !user) label.textContent = 'Email';
    }
  }

  /* ---- Init ----------------------------------------------------------------- */

  function init() {
    var params = new URLSearchParams(window.location.search);

    // Links between the pages keep the query string (app_id, login_hint, …).
    Array.prototype.forEach.call(document.querySelectorAll('a[data-keep-query]'), function (a) {
      a.href = a.getAttribute('href').split('?')[0] + window.location.search;
    });

    if (!form) return;

    var showPassword = byId('show-password');
    if (showPassword) {
      showPassword.addEventListener('change', function () {
        ['password', 'confirm-password'].forEach(function (id) {
          if (byId(id)) byId(id).type = showPassword.checked ? 'text' : 'password';
        });
      });
    }

    var hint = params.get('login_hint');
    if (hint && !isRegister) byId('identifier').value = hint;

    form.addEventListener('submit', onSubmit);
    byId('submit').disabled = false;
    (byId('identifier').value ? byId('password') : byId('identifier')).focus();

    api('GET', '/api/.well-known/sign-in-exp').then(applyConfig, function () { /* optional */ });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
