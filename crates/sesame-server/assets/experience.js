/*
 * Sesame hosted sign-in experience: one module shared by /sign-in, /register, /forgot-password
 * and the social sign-in callback (/callback/<connectorId>).
 * Talks to the same-origin Experience API (Logto wire protocol) with fetch + JSON, and adapts
 * to GET /api/.well-known/sign-in-exp. Plain ES2017, no frameworks, no inline code (strict CSP).
 *
 * Element ids (pages and tests rely on them):
 *   every page     #error (role=alert: the API's `message`), #notice (role=status), #heading, #subtitle, #logo
 *   forms          #sign-in-form, #register-form, #forgot-password-form
 *   first step     #identifier (#identifier-label), #password, #show-password,
 *                  #submit (the primary action of the current step, on every form)
 *   sign-in        #use-code, #use-password, #forgot-password-link, #create-account-link
 *   code step      #code (6 digits), #resend (disabled, "Resend in 59s", while counting down), #change-identifier
 *   new account    #create-with-identifier (sign-in, after a code for an unknown address)
 *   profile step   #new-username, #new-password, #confirm-password (also the username form's confirmation)
 *   register       #sign-in-instead (+ #sign-in-instead-link) after user.email_already_in_use, #sign-in-link
 *   forgot         #reset-done (success panel), #back-to-sign-in
 *   social         .social-button[data-connector-id] in #social-buttons (sign-in and register);
 *                  ?direct_sign_in=social:<target> on /sign-in starts that provider at once
 *   social-callback #social-profile-form with #new-username + #submit when registering needs a username
 *   callback       #status, #choice, #related-user, #link-account, #create-account, #back-link
 *
 * Visibility is declarative: an element with data-when="a+b c" is shown while flags a and b (or
 * flag c) are set; flags are the current step, the sign-in mode and switches from the settings
 * (see flags()). Inputs inside hidden elements are disabled so they are never submitted.
 */
(function () {
  'use strict';

  var RESEND_SECONDS = 60;
  var CONFIG_WAIT_MS = 5000; // enable the form even if the settings never arrive
  var SOCIAL_KEY = 'sesame.social'; // sessionStorage: {state, verificationId, connectorId, name, query}
  var KINDS = ['username', 'email', 'phone'];
  var KIND_NAMES = { username: 'username', email: 'email', phone: 'phone number' };
  var PROFILE_FIELDS = ['username', 'password']; // what the profile step can ask for
  var EMAIL_RE = /^[^\s@]+@[^\s@]+$/;
  var PHONE_RE = /^\+?\d[\d\s().-]{4,}$/;

  var NETWORK_MESSAGE = 'Could not reach the server. Check your connection and try again.';
  var UNEXPECTED_MESSAGE = 'Unexpected response from the server. Please try again.';
  var EXPIRED_MESSAGE =
    'Your sign-in session has expired or this page was opened directly. ' +
    'Please go back to the application and start signing in again.';

  // Extra guidance appended to the server's message for errors people can act on.
  var HINTS = {
    'verification_code.code_mismatch': 'Check the code and try again.',
    'verification_code.expired': 'Use “Resend code” below.',
    'verification_code.exceed_max_try': 'Use “Resend code” below.',
    'request.message_rate_limited': 'Please wait a little before asking for another code.',
    'session.verification_blocked_too_many_attempts': 'Please wait a while before trying again.',
    'connector.not_found': 'Verification codes cannot be sent because no email or SMS service is set up. ' +
      'Please use another way to sign in, or contact support.',
    'user.email_already_in_use': 'Sign in instead, or use a different email.',
    'user.phone_already_in_use': 'Sign in instead, or use a different phone number.',
  };

  // The settings assumed until (or unless) /api/.well-known/sign-in-exp answers.
  var DEFAULT_CONFIG = {
    signInMode: 'SignInAndRegister',
    signUp: { identifiers: ['username'], password: true, verify: false },
    signIn: { methods: [{ identifier: 'username', password: true, verificationCode: false, isPasswordPrimary: true }] },
    forgotPassword: { email: false, phone: false },
    socialConnectors: [],
  };

  var byId = function (id) { return document.getElementById(id); };
  var each = function (selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); };
  var form = byId('sign-in-form') || byId('register-form') || byId('forgot-password-form') || byId('social-profile-form');
  var PAGE = document.body.getAttribute('data-page') || (form ? form.id.replace(/-form$/, '') : '');

  var state = {
    config: DEFAULT_CONFIG,
    configLoaded: false,
    ready: false, // settings loaded (or given up on): the form may be submitted
    step: PAGE === 'social-callback' ? 'working' : 'credentials',
    busy: false,
    navigating: false,
    ended: false,
    override: null, // {type, mode}: the user chose password or code for this identifier type
    identifier: null, // {type, value} the code was sent to
    event: null, // interaction event of the code flow
    verificationId: null,
    missing: [], // profile fields the server asked for (user.missing_profile)
    alreadyUsed: false,
    texts: {}, // the page's own heading/subtitle, restored on the first step
  };
  var countdown = null;

  /* ---- API ---------------------------------------------------------------- */

  function apiError(code, message, status, data) {
    var err = new Error(message);
    err.code = code;
    err.status = status || 0;
    err.data = data;
    return err;
  }

  /**
   * Call the Experience API. Resolves with the parsed JSON body (or null for empty bodies
   * such as 204). Rejects with an Error carrying `code`, `message`, `status` and `data`.
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
      throw apiError(code, message, res.status, data && data.data);
    }
    return data;
  }

  function verificationIdOf(res, fallback) {
    var id = res && typeof res.verificationId === 'string' && res.verificationId ? res.verificationId : fallback;
    if (!id) throw apiError('unexpected_response', UNEXPECTED_MESSAGE);
    return id;
  }

  function identify(body) {
    return api('POST', '/api/experience/identification', body);
  }

  /** Submit the interaction and follow `redirectTo` (the button stays busy while navigating). */
  async function submitAndGo() {
    var res = await api('POST', '/api/experience/submit');
    var target = safeUrl(res && res.redirectTo, false);
    if (!target) throw apiError('unexpected_response', UNEXPECTED_MESSAGE);
    navigate(target);
  }

  function navigate(url) {
    state.navigating = true;
    window.location.assign(url);
  }

  /* ---- Settings ------------------------------------------------------------- */

  function setting(key) {
    var value = state.config && state.config[key];
    return value !== undefined && value !== null ? value : DEFAULT_CONFIG[key];
  }

  function signInMethods() {
    var signIn = setting('signIn');
    var list = signIn && Array.isArray(signIn.methods) ? signIn.methods.filter(function (m) {
      return m && KINDS.indexOf(m.identifier) !== -1;
    }) : [];
    return list.length ? list : DEFAULT_CONFIG.signIn.methods;
  }

  function methodOf(kind) {
    return signInMethods().filter(function (m) { return m.identifier === kind; })[0] || null;
  }

  function signUpKinds() {
    var signUp = setting('signUp');
    var list = signUp && Array.isArray(signUp.identifiers) ? signUp.identifiers.filter(function (k) {
      return KINDS.indexOf(k) !== -1;
    }) : [];
    return list.length ? list : ['username'];
  }

  /** Registration by code when sign-up uses an email or phone; otherwise username + password. */
  function registerKinds() {
    var codeKinds = signUpKinds().filter(function (k) { return k !== 'username'; });
    return codeKinds.length ? codeKinds : ['username'];
  }

  function forgotKinds() {
    var fp = state.config && state.config.forgotPassword;
    // Settings without the switch (older servers): the reset page still offers email.
    if (!fp || typeof fp !== 'object') return PAGE === 'forgot-password' ? ['email'] : [];
    return ['email', 'phone'].filter(function (k) { return fp[k] === true; });
  }

  function canRegister() { return setting('signInMode') !== 'SignIn'; }
  function canSignIn() { return setting('signInMode') !== 'Register'; }

  function canRegisterWith(kind) {
    return canRegister() && signUpKinds().indexOf(kind) !== -1;
  }

  function socialConnectors() {
    var list = setting('socialConnectors');
    return Array.isArray(list) ? list.filter(function (c) { return c && typeof c.id === 'string' && c.id; }) : [];
  }

  /** The identifier kinds the current page's input accepts, in a stable order. */
  function pageKinds() {
    var kinds;
    if (PAGE === 'sign-in') kinds = signInMethods().map(function (m) { return m.identifier; });
    else if (PAGE === 'register') kinds = registerKinds();
    else kinds = forgotKinds().length ? forgotKinds() : ['email'];
    return KINDS.filter(function (k) { return kinds.indexOf(k) !== -1; });
  }

  /* ---- Identifiers ---------------------------------------------------------- */

  function detectKind(value, kinds) {
    if (value.indexOf('@') !== -1) return 'email';
    if (kinds.indexOf('phone') !== -1 && PHONE_RE.test(value)) return 'phone';
    if (kinds.indexOf('username') !== -1) return 'username';
    return kinds[0] || 'username';
  }

  /** What is typed in #identifier, as an Experience API identifier {type, value}. */
  function typedIdentifier() {
    var raw = byId('identifier') ? byId('identifier').value.trim() : '';
    var kind = detectKind(raw, pageKinds());
    // Phone numbers go to the server as digits only, country code included.
    return { type: kind, value: kind === 'phone' ? raw.replace(/\D/g, '') : raw };
  }

  function kindsLabel(kinds) {
    var names = kinds.map(function (k) { return KIND_NAMES[k]; });
    var text = names.length > 1 ? names.slice(0, -1).join(', ') + ' or ' + names[names.length - 1] : names[0] || 'username';
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  /** A message when `id` cannot be sent a code (or is empty), else ''. */
  function identifierProblem(id, needsCode) {
    if (!id.value) return 'Please enter your ' + kindsLabel(pageKinds()).toLowerCase() + '.';
    if (!needsCode) return '';
    if (id.type === 'email' && !EMAIL_RE.test(id.value)) return 'Please enter a valid email address.';
    if (id.type === 'phone' && id.value.length < 5) return 'Please enter a valid phone number.';
    if (id.type !== 'email' && id.type !== 'phone') return 'Please enter your ' + kindsLabel(pageKinds()).toLowerCase() + '.';
    return '';
  }

  /**
   * Sign-in: which method applies to the typed identifier, and whether the page asks for a
   * password or sends a code. The code is the default when the method has no password or
   * its password is not primary; the user may switch (#use-code / #use-password).
   */
  function signInChoice() {
    var id = typedIdentifier();
    // An email typed where only usernames are configured still goes to the password check.
    var method = methodOf(id.type) || (id.type === 'email' && methodOf('username')) || signInMethods()[0];
    var canCode = Boolean(method.verificationCode) && method.identifier === id.type && id.type !== 'username';
    var canPassword = Boolean(method.password);
    var mode = canPassword && (method.isPasswordPrimary !== false || !canCode) ? 'password' : (canCode ? 'code' : 'password');
    var o = state.override;
    if (o && o.type === id.type) {
      if (o.mode === 'password' && canPassword) mode = 'password';
      if (o.mode === 'code' && canCode) mode = 'code';
    }
    return { id: id, mode: mode, canCode: canCode, canPassword: canPassword };
  }

  /* ---- Rendering -------------------------------------------------------------- */

  var SUBMIT_LABELS = {
    'sign-in': {
      'credentials-password': ['Sign in', 'Signing in…'],
      'credentials-code': ['Send verification code', 'Sending code…'],
      code: ['Continue', 'Verifying…'],
      profile: ['Create account', 'Creating account…'],
    },
    register: {
      'credentials-username': ['Create account', 'Creating account…'],
      'credentials-code': ['Send verification code', 'Sending code…'],
      code: ['Continue', 'Verifying…'],
      profile: ['Create account', 'Creating account…'],
    },
    'forgot-password': {
      credentials: ['Send verification code', 'Sending code…'],
      code: ['Continue', 'Verifying…'],
      profile: ['Reset password', 'Saving…'],
    },
  };

  function flags() {
    var f = {};
    f[state.step] = true;
    if (canRegister()) f['can-register'] = true;
    if (canSignIn()) f['can-sign-in'] = true;
    if (state.alreadyUsed) f['already-used'] = true;
    if (socialConnectors().length) f.social = true;
    state.missing.forEach(function (p) { f['need-' + p] = true; });
    if (PAGE === 'sign-in') {
      var choice = signInChoice();
      f[choice.mode + '-mode'] = true;
      if (choice.canCode) f['can-code'] = true;
      if (choice.canPassword) f['can-password'] = true;
      if (forgotKinds().length) f.forgot = true;
    }
    if (PAGE === 'register') f[registerKinds()[0] === 'username' ? 'username-signup' : 'code-signup'] = true;
    return f;
  }

  function shown(expression, f) {
    return expression.split(/\s+/).some(function (alternative) {
      return alternative && alternative.split('+').every(function (flag) { return f[flag]; });
    });
  }

  function submitLabel(f) {
    var labels = SUBMIT_LABELS[PAGE] || {};
    var key = state.step;
    if (state.step === 'credentials' && PAGE === 'sign-in') key += f['code-mode'] ? '-code' : '-password';
    if (state.step === 'credentials' && PAGE === 'register') key += f['code-signup'] ? '-code' : '-username';
    return labels[key] || labels[state.step] || null;
  }

  /** Show what the current flags call for; keep hidden inputs out of the form. */
  function render() {
    if (state.ended) return;
    var f = flags();
    each('[data-when]', function (el) { el.hidden = !shown(el.getAttribute('data-when'), f); });
    if (form) {
      Array.prototype.forEach.call(form.querySelectorAll('input'), function (input) {
        input.disabled = Boolean(input.closest('[hidden]'));
      });
    }
    var button = byId('submit');
    var label = submitLabel(f);
    if (button && label) {
      button.dataset.label = label[0];
      button.dataset.busyLabel = label[1];
      if (!state.busy) button.textContent = label[0];
    }
    var other = byId('change-identifier');
    if (other && state.identifier) {
      other.textContent = state.identifier.type === 'phone' ? 'Use a different phone number' : 'Use a different email';
    }
  }

  function setTexts(heading, subtitle) {
    if (byId('heading')) byId('heading').textContent = heading;
    if (byId('subtitle')) {
      byId('subtitle').textContent = subtitle || '';
      byId('subtitle').hidden = !subtitle;
    }
  }

  function stepTexts(step) {
    var id = state.identifier;
    var where = id ? (id.type === 'phone' ? 'phone' : 'email') : 'email';
    switch (step) {
      case 'code':
        return ['Check your ' + where, 'Enter the 6-digit code we sent to ' + (id ? id.value : 'you') + '.'];
      case 'create':
        return ['Create an account?', id ? id.value : ''];
      case 'profile':
        if (PAGE === 'forgot-password') return ['Set a new password', id ? 'For ' + id.value + '.' : ''];
        return [state.missing.indexOf('username') !== -1 ? 'Complete your account' : 'Set a password',
          id ? 'For ' + id.value + '.' : ''];
      case 'done':
        return ['Password reset', ''];
      default:
        if (PAGE === 'register' && registerKinds()[0] !== 'username') {
          return [state.texts.heading, 'Enter your ' + kindsLabel(registerKinds()).toLowerCase() + ' to get started.'];
        }
        return [state.texts.heading, state.texts.subtitle];
    }
  }

  var FOCUS_FOR_STEP = {
    credentials: 'identifier',
    code: 'code',
    create: 'create-with-identifier',
    profile: 'new-password',
    done: 'back-to-sign-in',
  };

  function goTo(step) {
    state.step = step;
    if (step !== 'code') stopCountdown();
    if (step === 'credentials') state.missing = [];
    if (step !== 'code') notice('');
    var texts = stepTexts(step);
    setTexts(texts[0], texts[1]);
    if (byId('create-prompt') && state.identifier) {
      byId('create-prompt').textContent = 'No account with this ' +
        (state.identifier.type === 'phone' ? 'phone number' : 'email') + '. Create one?';
    }
    render();
    var focus = step === 'profile' && state.missing.indexOf('username') !== -1 ? 'new-username' : FOCUS_FOR_STEP[step];
    if (focus && byId(focus) && !byId(focus).disabled) byId(focus).focus();
  }

  /* ---- UI helpers ----------------------------------------------------------- */

  function showError(errOrMessage) {
    var box = byId('error');
    if (!box) return;
    var message = typeof errOrMessage === 'string' ? errOrMessage
      : (errOrMessage && errOrMessage.message) || 'Something went wrong. Please try again.';
    box.textContent = message;
  }

  function notice(message) {
    if (byId('notice')) byId('notice').textContent = message;
  }

  function clearError() {
    showError('');
    notice('');
    each('[aria-invalid]', function (el) { el.removeAttribute('aria-invalid'); });
    if (state.alreadyUsed) {
      state.alreadyUsed = false;
      render();
    }
  }

  function markInvalid(id) {
    var el = byId(id);
    if (!el || el.disabled) return;
    el.setAttribute('aria-invalid', 'true');
    el.focus();
    if (typeof el.select === 'function') el.select();
  }

  var ACTION_BUTTONS = '#submit, #use-code, #use-password, #create-with-identifier, #change-identifier, ' +
    '#link-account, #create-account, .social-button';

  /** While busy every action button is disabled; `button` (default #submit) shows its busy label. */
  function setBusy(busy, button) {
    state.busy = busy;
    var submit = byId('submit');
    each(ACTION_BUTTONS, function (el) { el.disabled = busy || (el === submit && !state.ready); });
    if (submit && submit.dataset.label) {
      submit.textContent = busy && (!button || button === submit) ? (submit.dataset.busyLabel || 'Please wait…') : submit.dataset.label;
    }
    if (form) form.setAttribute('aria-busy', busy ? 'true' : 'false');
    updateResend();
  }

  function endSession() {
    showError(EXPIRED_MESSAGE);
    stopCountdown();
    state.ended = true;
    if (form) {
      Array.prototype.forEach.call(form.elements, function (el) { el.disabled = true; });
      form.hidden = true;
    }
    ['social', 'choice', 'status', 'reset-done'].forEach(function (id) { if (byId(id)) byId(id).hidden = true; });
    if (byId('back-row')) byId('back-row').hidden = false;
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

  /* ---- Running a flow ------------------------------------------------------- */

  function fieldForError(code) {
    switch (code) {
      case 'session.invalid_credentials': return 'password';
      case 'password.rejected': return state.step === 'profile' ? 'new-password' : 'password';
      case 'verification_code.code_mismatch': return 'code';
      case 'user.username_already_in_use':
        return state.step === 'profile' ? 'new-username' : 'identifier';
      case 'user.email_already_in_use':
      case 'user.phone_already_in_use':
      case 'user.user_not_exist':
        return state.step === 'credentials' ? 'identifier' : null;
      default: return null;
    }
  }

  function handleError(err) {
    var code = err && err.code;
    if (code === 'session.not_found') return endSession();
    if (PAGE === 'social-callback' && state.step === 'working') failCallback('');
    if (code === 'verification_code.code_mismatch' && byId('code')) byId('code').value = '';
    var resendNow = code === 'verification_code.expired' || code === 'verification_code.exceed_max_try';
    if (resendNow) {
      stopCountdown(); // offer a new code right away
      if (byId('code')) byId('code').value = '';
    }
    if (code === 'user.email_already_in_use' || code === 'user.phone_already_in_use') {
      state.alreadyUsed = true;
      render();
    }
    var hint = HINTS[code] || (err && err.status === 501 ? HINTS['connector.not_found'] : '');
    showError(hint ? err.message + ' ' + hint : err);
    var field = fieldForError(code);
    if (field) markInvalid(field);
    else if (resendNow && byId('resend') && !byId('resend').disabled) byId('resend').focus();
  }

  /**
   * Run one user action: clear old errors, mark the page busy, run `task` (an async function),
   * show its error if it fails. Ignored while another action runs or the page navigates away.
   */
  async function run(task, button) {
    if (state.busy || state.navigating || state.ended) return;
    clearError();
    setBusy(true, button);
    var failure = null;
    try {
      await task();
    } catch (err) {
      failure = err || apiError('unknown', 'Something went wrong. Please try again.');
    }
    if (!state.navigating) setBusy(false, button);
    if (failure) handleError(failure);
  }

  /* ---- Verification codes --------------------------------------------------- */

  function updateResend() {
    var resend = byId('resend');
    if (resend) resend.disabled = state.busy || countdown !== null;
  }

  function startCountdown() {
    stopCountdown();
    var resend = byId('resend');
    if (!resend) return;
    var deadline = Date.now() + RESEND_SECONDS * 1000;
    var tick = function () {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      if (left <= 0) return stopCountdown();
      resend.textContent = 'Resend in ' + left + 's';
    };
    countdown = setInterval(tick, 1000);
    tick();
    updateResend();
  }

  function stopCountdown() {
    if (countdown !== null) clearInterval(countdown);
    countdown = null;
    if (byId('resend')) byId('resend').textContent = 'Resend code';
    updateResend();
  }

  async function sendCode() {
    var res = await api('POST', '/api/experience/verification/verification-code',
      { identifier: state.identifier, interactionEvent: state.event });
    state.verificationId = verificationIdOf(res);
  }

  /** Start `event` and send a code to `identifier`; then ask for the code. */
  function startCodeFlow(event, identifier, button) {
    return run(async function () {
      await api('PUT', '/api/experience', { interactionEvent: event });
      state.identifier = identifier;
      state.event = event;
      await sendCode();
      if (byId('code')) byId('code').value = '';
      goTo('code');
      startCountdown();
    }, button);
  }

  function resendCode() {
    if (!state.identifier || countdown !== null) return;
    run(async function () {
      await sendCode(); // the new verification replaces the old one
      byId('code').value = '';
      startCountdown();
      notice('We sent a new code to ' + state.identifier.value + '.');
      byId('code').focus();
    }, byId('resend'));
  }

  function submitCode() {
    var code = byId('code').value.replace(/\D/g, '');
    if (code.length !== 6) {
      showError('Please enter the 6-digit code we sent you.');
      return markInvalid('code');
    }
    run(async function () {
      var res = await api('POST', '/api/experience/verification/verification-code/verify',
        { identifier: state.identifier, verificationId: state.verificationId, code: code });
      state.verificationId = verificationIdOf(res, state.verificationId);
      await AFTER_CODE[PAGE]();
    });
  }

  var AFTER_CODE = {
    'sign-in': async function () {
      try {
        await identify({ verificationId: state.verificationId });
      } catch (err) {
        if (err.code === 'user.user_not_exist' && canRegisterWith(state.identifier.type)) return goTo('create');
        throw err;
      }
      await submitAndGo();
    },
    register: function () {
      return registerWith({ verificationId: state.verificationId });
    },
    'forgot-password': async function () {
      try {
        await identify({ verificationId: state.verificationId });
      } catch (err) {
        if (err.code === 'user.user_not_exist') goTo('credentials');
        throw err;
      }
      state.missing = ['password'];
      goTo('profile');
    },
  };

  /* ---- Registration ------------------------------------------------------- */

  /**
   * POST /identification for a Register interaction: 201 → submit. When the server still
   * needs a password (or username), user.missing_profile → the profile step asks for it.
   */
  async function registerWith(body) {
    try {
      await identify(body);
    } catch (err) {
      var missing = err.code === 'user.missing_profile' && err.data && Array.isArray(err.data.missingProfile)
        ? err.data.missingProfile : null;
      if (missing && missing.length && missing.every(function (p) { return PROFILE_FIELDS.indexOf(p) !== -1; })) {
        state.missing = missing.slice();
        return goTo('profile');
      }
      throw err;
    }
    await submitAndGo();
  }

  function createWithIdentifier() {
    run(async function () {
      await api('PUT', '/api/experience/interaction-event', { interactionEvent: 'Register' });
      await registerWith({ verificationId: state.verificationId });
    }, byId('create-with-identifier'));
  }

  function submitProfile() {
    var username = null;
    var password = null;
    if (state.missing.indexOf('username') !== -1) {
      username = byId('new-username').value.trim();
      if (!username) {
        showError('Please choose a username.');
        return markInvalid('new-username');
      }
    }
    if (state.missing.indexOf('password') !== -1) {
      password = byId('new-password').value;
      if (!password) {
        showError('Please enter a password.');
        return markInvalid('new-password');
      }
      if (password !== byId('confirm-password').value) {
        showError('Passwords do not match');
        return markInvalid('confirm-password');
      }
    }

    if (PAGE === 'forgot-password') {
      return run(async function () {
        await api('PUT', '/api/experience/profile/password', { password: password });
        await api('POST', '/api/experience/submit'); // 204: no sign-in happens
        ['new-password', 'confirm-password'].forEach(function (id) { byId(id).value = ''; });
        goTo('done');
      });
    }
    run(async function () {
      if (username !== null) await api('POST', '/api/experience/profile', { type: 'username', value: username });
      if (password !== null) await api('POST', '/api/experience/profile', { type: 'password', value: password });
      await registerWith({});
    });
  }

  /* ---- First step, per page --------------------------------------------------- */

  function signInFirstStep() {
    var choice = signInChoice();
    var problem = identifierProblem(choice.id, choice.mode === 'code');
    if (problem) {
      showError(problem);
      return markInvalid('identifier');
    }
    if (choice.mode === 'code') return startCodeFlow('SignIn', choice.id);

    var password = byId('password').value;
    if (!password) {
      showError('Please enter a password.');
      return markInvalid('password');
    }
    run(async function () {
      await api('PUT', '/api/experience', { interactionEvent: 'SignIn' });
      var res = await api('POST', '/api/experience/verification/password', { identifier: choice.id, password: password });
      await identify({ verificationId: verificationIdOf(res) });
      await submitAndGo();
    });
  }

  function useCode() {
    var choice = signInChoice();
    if (!choice.canCode || state.busy) return;
    clearError();
    var problem = identifierProblem(choice.id, true);
    if (problem) {
      showError(problem);
      return markInvalid('identifier');
    }
    state.override = { type: choice.id.type, mode: 'code' };
    startCodeFlow('SignIn', choice.id, byId('use-code'));
  }

  function usePassword() {
    state.override = { type: signInChoice().id.type, mode: 'password' };
    render();
    byId('password').focus();
  }

  function registerFirstStep() {
    var id = typedIdentifier();
    if (registerKinds()[0] !== 'username') {
      var problem = identifierProblem(id, true);
      if (problem) {
        showError(problem);
        return markInvalid('identifier');
      }
      return startCodeFlow('Register', id);
    }

    var username = byId('identifier').value.trim();
    var password = byId('password').value;
    if (!username) {
      showError('Please enter a username.');
      return markInvalid('identifier');
    }
    if (!password) {
      showError('Please enter a password.');
      return markInvalid('password');
    }
    if (password !== byId('confirm-password').value) {
      showError('Passwords do not match');
      return markInvalid('confirm-password');
    }
    run(async function () {
      await api('PUT', '/api/experience', { interactionEvent: 'Register' });
      var res = await api('POST', '/api/experience/verification/new-password-identity', {
        identifier: { type: 'username', value: username },
        password: password,
      });
      await identify({ verificationId: verificationIdOf(res) });
      await submitAndGo();
    });
  }

  function forgotFirstStep() {
    var id = typedIdentifier();
    var problem = identifierProblem(id, true);
    if (problem) {
      showError(problem);
      return markInvalid('identifier');
    }
    startCodeFlow('ForgotPassword', id);
  }

  var FIRST_STEP = { 'sign-in': signInFirstStep, register: registerFirstStep, 'forgot-password': forgotFirstStep };

  function onSubmit(event) {
    event.preventDefault();
    if (state.busy || state.navigating || !state.ready) return;
    clearError();
    if (state.step === 'credentials') FIRST_STEP[PAGE]();
    else if (state.step === 'code') submitCode();
    else if (state.step === 'profile') submitProfile();
  }

  /* ---- Social sign-in ------------------------------------------------------- */

  function connectorName(connector) {
    var name = connector.name;
    if (typeof name === 'string' && name) return name;
    if (name && typeof name === 'object') {
      if (typeof name.en === 'string' && name.en) return name.en;
      var first = Object.keys(name).map(function (k) { return name[k]; }).filter(function (v) {
        return typeof v === 'string' && v;
      })[0];
      if (first) return first;
    }
    var target = typeof connector.target === 'string' && connector.target ? connector.target : 'social account';
    return target.charAt(0).toUpperCase() + target.slice(1);
  }

  function randomState() {
    var bytes = new Uint8Array(24);
    window.crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function renderSocialButtons() {
    var list = byId('social-buttons');
    if (!list) return;
    list.textContent = '';
    socialConnectors().forEach(function (connector) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'button button-secondary social-button';
      button.setAttribute('data-connector-id', connector.id);
      var logo = safeUrl(connector.logo, true);
      if (logo) {
        var img = document.createElement('img');
        img.src = logo;
        img.alt = '';
        img.width = 20;
        img.height = 20;
        img.className = 'social-logo';
        button.appendChild(img);
      }
      var label = document.createElement('span');
      label.textContent = 'Continue with ' + connectorName(connector);
      button.appendChild(label);
      button.disabled = state.busy;
      button.addEventListener('click', function () { startSocial(connector, button); });
      list.appendChild(button);
    });
  }

  function startSocial(connector, button) {
    run(async function () {
      await api('PUT', '/api/experience', { interactionEvent: 'SignIn' });
      var socialState = randomState();
      var path = '/api/experience/verification/social/' + encodeURIComponent(connector.id);
      var res = await api('POST', path + '/authorization-uri', {
        state: socialState,
        redirectUri: window.location.origin + '/callback/' + encodeURIComponent(connector.id),
      });
      var target = safeUrl(res && res.authorizationUri, false);
      if (!target) throw apiError('unexpected_response', UNEXPECTED_MESSAGE);
      var session = {
        state: socialState,
        verificationId: verificationIdOf(res),
        connectorId: connector.id,
        name: connectorName(connector),
        query: window.location.search,
      };
      try {
        window.sessionStorage.setItem(SOCIAL_KEY, JSON.stringify(session));
      } catch (_) {
        throw apiError('storage_unavailable',
          'This browser blocks session storage, which social sign-in needs. Allow site data for this site and try again.');
      }
      navigate(target);
    }, button);
  }

  /** The stored social session (removed: a callback is used once), or null. */
  function takeSocialSession() {
    var stored = null;
    try {
      stored = JSON.parse(window.sessionStorage.getItem(SOCIAL_KEY) || 'null');
      window.sessionStorage.removeItem(SOCIAL_KEY);
    } catch (_) {
      stored = null;
    }
    var valid = stored && typeof stored === 'object' && typeof stored.state === 'string' && stored.state &&
      typeof stored.verificationId === 'string' && typeof stored.connectorId === 'string';
    return valid ? stored : null;
  }

  /** data.relatedUser may be a (masked) string or an object: show whatever text it has. */
  function relatedUserText(related) {
    if (typeof related === 'string') return related;
    if (!related || typeof related !== 'object') return '';
    var keys = ['value', 'email', 'primaryEmail', 'phone', 'primaryPhone', 'username', 'name'];
    for (var i = 0; i < keys.length; i++) {
      if (typeof related[keys[i]] === 'string' && related[keys[i]]) return related[keys[i]];
    }
    var any = Object.keys(related).map(function (k) { return related[k]; }).filter(function (v) {
      return typeof v === 'string' && v;
    })[0];
    return any || '';
  }

  async function createSocialAccount() {
    await api('PUT', '/api/experience/interaction-event', { interactionEvent: 'Register' });
    // 201 creates the user; user.missing_profile (a username) goes to the profile step.
    await registerWith({ verificationId: state.verificationId });
  }

  function offerLink(related, name) {
    var text = relatedUserText(related);
    var choiceText = byId('choice-text');
    if (choiceText) {
      choiceText.textContent = '';
      if (text) {
        choiceText.appendChild(document.createTextNode('An account already exists for '));
        var strong = document.createElement('strong');
        strong.id = 'related-user';
        strong.textContent = text;
        choiceText.appendChild(strong);
        choiceText.appendChild(document.createTextNode('. Link your ' + name + ' account to it, or create a new account.'));
      } else {
        choiceText.textContent = 'An account with the same email or phone number already exists. ' +
          'Link your ' + name + ' account to it, or create a new account.';
      }
    }
    state.step = 'choice';
    setTexts('Account found', '');
    render();
    if (byId('link-account')) byId('link-account').focus();
  }

  function failCallback(message) {
    state.step = 'failed';
    setTexts('Sign-in not completed', '');
    render();
    if (message) showError(message);
  }

  function initCallback() {
    var segments = window.location.pathname.split('/').filter(Boolean);
    var connectorId = '';
    try {
      connectorId = decodeURIComponent(segments[segments.length - 1] || '');
    } catch (_) {
      connectorId = '';
    }
    var params = new URLSearchParams(window.location.search);
    var stored = takeSocialSession();
    var back = byId('back-link');
    if (back && stored && typeof stored.query === 'string' && /^\?/.test(stored.query)) {
      var backQuery = new URLSearchParams(stored.query);
      if (backQuery.has('direct_sign_in')) {
        // Back to the sign-in page itself: with direct_sign_in it would start the provider again.
        backQuery.delete('direct_sign_in');
        back.href = '/sign-in' + (backQuery.toString() ? '?' + backQuery.toString() : '');
      } else {
        back.href = '/sign-in' + stored.query;
      }
    }

    var configReady = loadConfig();
    if (!stored || stored.connectorId !== connectorId) {
      return failCallback('Your sign-in session has expired. Please start again.');
    }
    var name = typeof stored.name === 'string' && stored.name ? stored.name : connectorId;
    if (params.has('error')) {
      var description = params.get('error_description');
      var what = params.get('error') === 'access_denied' ? ' was cancelled.' : ' could not be completed (' + params.get('error') + ').';
      return failCallback('Sign-in with ' + name + what + (description ? ' ' + description : ''));
    }
    if (params.get('state') !== stored.state) {
      // Never send a code that this browser did not ask for.
      return failCallback('This sign-in response does not belong to your session, so it was not used. Please start again.');
    }

    var connectorData = {};
    params.forEach(function (value, key) { connectorData[key] = value; });
    connectorData.redirectUri = window.location.origin + window.location.pathname;
    if (byId('status')) byId('status').textContent = 'Signing you in with ' + name + '…';

    byId('link-account').addEventListener('click', function () {
      run(async function () {
        await identify({ verificationId: state.verificationId, linkSocialIdentity: true });
        await submitAndGo();
      }, byId('link-account'));
    });
    byId('create-account').addEventListener('click', function () {
      run(createSocialAccount, byId('create-account'));
    });
    if (form) form.addEventListener('submit', onSubmit);

    state.ready = true;
    run(async function () {
      var res = await api('POST', '/api/experience/verification/social/' + encodeURIComponent(connectorId) + '/verify',
        { verificationId: stored.verificationId, connectorData: connectorData });
      state.verificationId = verificationIdOf(res, stored.verificationId);
      try {
        await identify({ verificationId: state.verificationId });
      } catch (err) {
        if (err.code !== 'user.identity_not_exist') throw err;
        var related = err.data && err.data.relatedUser;
        if (related !== undefined && related !== null && related !== false) return offerLink(related, name);
        await configReady;
        if (!canRegister()) throw err;
        return createSocialAccount();
      }
      await submitAndGo();
    });
  }

  /* ---- Sign-in experience settings ------------------------------------------- */

  function contrastColor(hex) {
    var m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex);
    if (!m) return null;
    var h = m[1].length === 3 ? m[1].replace(/./g, '$&$&') : m[1];
    var rgb = [0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16) / 255; });
    var lum = rgb.map(function (c) { return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); });
    var l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return l > 0.45 ? '#111827' : '#ffffff';
  }

  function applyBranding(cfg) {
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
  }

  /** Label and keyboard of #identifier for the kinds this page accepts. */
  function applyIdentifierInput() {
    var input = byId('identifier');
    if (!input) return;
    var kinds = pageKinds();
    if (byId('identifier-label')) byId('identifier-label').textContent = kindsLabel(kinds);
    var only = kinds.length === 1 ? kinds[0] : null;
    input.type = only === 'email' ? 'email' : only === 'phone' ? 'tel' : 'text';
    if (only === 'email' || only === 'phone') input.setAttribute('inputmode', only === 'email' ? 'email' : 'tel');
    else input.removeAttribute('inputmode');
    if (PAGE !== 'sign-in') input.setAttribute('autocomplete', only === 'phone' ? 'tel' : only === 'email' ? 'email' : 'username');
  }

  /** "At least 8 characters, with 2 kinds of …" under new-password fields (.password-policy). */
  function applyPasswordPolicy(cfg) {
    var policy = cfg.passwordPolicy;
    if (!policy || typeof policy !== 'object') return;
    var min = policy.length && Number(policy.length.min);
    var kinds = policy.characterTypes && Number(policy.characterTypes.min);
    var parts = [];
    if (min > 0) parts.push('At least ' + min + ' characters');
    if (kinds > 1) {
      parts.push((parts.length ? 'with ' : 'Use ') + kinds +
        ' kinds of characters (lowercase letters, uppercase letters, digits, symbols)');
    }
    if (!parts.length) return;
    each('.password-policy', function (el) {
      el.textContent = parts.join(', ') + '.';
      el.hidden = false;
    });
  }

  function applyConfig(cfg) {
    if (!cfg || typeof cfg !== 'object') return;
    state.config = cfg;
    state.configLoaded = true;
    applyBranding(cfg);
    if (!form) return render();

    applyIdentifierInput();
    applyPasswordPolicy(cfg);
    renderSocialButtons();
    if (state.step === 'credentials') {
      var texts = stepTexts('credentials');
      setTexts(texts[0], texts[1]);
    }
    if (PAGE === 'forgot-password' && !forgotKinds().length) {
      showError('Password reset is not available. Please contact support to regain access to your account.');
      state.ready = false;
    }
    render();
  }

  var configPromise = null;

  function loadConfig() {
    if (!configPromise) {
      configPromise = api('GET', '/api/.well-known/sign-in-exp').then(applyConfig, function () { /* defaults */ });
    }
    return configPromise;
  }

  /* ---- Init ----------------------------------------------------------------- */

  function init() {
    var params = new URLSearchParams(window.location.search);

    // Links between the pages keep the query string (app_id, login_hint, …).
    each('a[data-keep-query]', function (a) {
      a.href = a.getAttribute('href').split('?')[0] + window.location.search;
    });

    if (PAGE === 'social-callback') return initCallback();
    if (!form) return;

    state.texts = {
      heading: byId('heading') ? byId('heading').textContent : '',
      subtitle: byId('subtitle') ? byId('subtitle').textContent : '',
    };

    var showPassword = byId('show-password');
    if (showPassword) {
      showPassword.addEventListener('change', function () {
        ['password', 'new-password', 'confirm-password'].forEach(function (id) {
          if (byId(id)) byId(id).type = showPassword.checked ? 'text' : 'password';
        });
      });
    }

    var code = byId('code');
    if (code) {
      code.addEventListener('input', function () {
        var digits = code.value.replace(/\D/g, '').slice(0, 6);
        if (digits !== code.value) code.value = digits;
      });
    }

    var identifier = byId('identifier');
    if (PAGE === 'sign-in') identifier.addEventListener('input', render); // the method follows what is typed

    var listeners = {
      'use-code': useCode,
      'use-password': usePassword,
      resend: resendCode,
      'create-with-identifier': createWithIdentifier,
      'change-identifier': function () {
        if (state.busy) return;
        clearError();
        goTo('credentials');
      },
    };
    Object.keys(listeners).forEach(function (id) {
      if (byId(id)) byId(id).addEventListener('click', listeners[id]);
    });

    var hint = params.get('login_hint');
    if (hint && PAGE !== 'register') identifier.value = hint;

    form.addEventListener('submit', onSubmit);
    render();
    var firstEmpty = identifier.value && byId('password') && !byId('password').disabled ? byId('password') : identifier;
    firstEmpty.focus();

    var ready = function () {
      if (state.ready || state.ended) return;
      if (PAGE === 'forgot-password' && state.configLoaded && !forgotKinds().length) return;
      state.ready = true;
      setBusy(false);
    };
    loadConfig().then(ready).then(function () { startDirectSignIn(params.get('direct_sign_in')); });
    setTimeout(ready, CONFIG_WAIT_MS);
  }

  /** `direct_sign_in=social:<target>` (from the authorization request) starts that provider at once. */
  function startDirectSignIn(value) {
    if (PAGE !== 'sign-in' || typeof value !== 'string' || value.indexOf('social:') !== 0) return;
    var target = value.slice('social:'.length);
    var connector = socialConnectors().filter(function (c) { return c.target === target; })[0];
    if (connector) startSocial(connector, null);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
