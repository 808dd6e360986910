// Loopback OpenID Connect provider for Plankammer integration tests.
//
// Based on the certified `oidc-provider` package. TEST-ONLY: in-memory storage,
// open dynamic client registration, no passwords, fault injection hooks.
// Never expose this beyond 127.0.0.1.
//
// Start:  node tests/oidc-provider/server.mjs   (env PORT, OIDC_CLIENTS; see README.md)
// Ready:  prints exactly one stdout line `OIDC_PROVIDER_READY http://127.0.0.1:<port>`.

import http from 'node:http';
import { randomBytes } from 'node:crypto';

import * as jose from 'jose';
import Provider from 'oidc-provider';

// oidc-provider prints development notices with console.info (stdout). stdout is
// reserved for the single READY line, so route every console output to stderr.
console.log = console.error;
console.info = console.error;

const HOST = '127.0.0.1';
const ALG = 'RS256';

const ROUTES = {
  authorization: '/auth',
  token: '/token',
  jwks: '/jwks',
  userinfo: '/me',
  registration: '/reg',
  end_session: '/session/end',
};

const ACR_VALUES = [
  'http://eidas.europa.eu/LoA/low',
  'http://eidas.europa.eu/LoA/substantial',
  'http://eidas.europa.eu/LoA/high',
];

const MODES = new Set([
  'normal', 'wrong_aud', 'expired', 'wrong_nonce', 'wrong_iss', 'unknown_key', 'rotated',
]);

// ---------------------------------------------------------------------------
// Keys

async function makeSigningKey(prefix) {
  const { privateKey } = await jose.generateKeyPair(ALG, { extractable: true, modulusLength: 2048 });
  const kid = `${prefix}-${randomBytes(8).toString('hex')}`;
  const privateJwk = { ...(await jose.exportJWK(privateKey)), kid, alg: ALG, use: 'sig' };
  const { kty, n, e } = privateJwk;
  return { kid, key: privateKey, privateJwk, publicJwk: { kty, n, e, kid, alg: ALG, use: 'sig' } };
}

// Key 1: the provider's real signing key (published, used by oidc-provider itself).
const primaryKey = await makeSigningKey('key1');
// Never published: used by mode `unknown_key`.
const unknownKey = await makeSigningKey('unknown');
// Keys created by entering mode `rotated`. Once created they stay published.
const rotationKeys = [];

// ---------------------------------------------------------------------------
// Test state: accounts and fault mode

/** login -> account, sub -> account */
const accountsByLogin = new Map();
const accountsBySub = new Map();

let mode = 'normal';

const ACCOUNT_CLAIMS = [
  'email', 'email_verified', 'name', 'given_name', 'family_name', 'organization', 'groups',
];

function validateAccount(input) {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return 'body must be a JSON object';
  for (const field of ['login', 'sub']) {
    if (typeof input[field] !== 'string' || !input[field]) return `"${field}" must be a non-empty string`;
  }
  for (const field of ['email', 'name', 'given_name', 'family_name', 'organization', 'acr']) {
    if (input[field] !== undefined && typeof input[field] !== 'string') return `"${field}" must be a string`;
  }
  if (input.email_verified !== undefined && typeof input.email_verified !== 'boolean') {
    return '"email_verified" must be a boolean';
  }
  if (input.groups !== undefined
    && !(Array.isArray(input.groups) && input.groups.every((g) => typeof g === 'string'))) {
    return '"groups" must be an array of strings';
  }
  return undefined;
}

function storeAccount(input) {
  const account = { login: input.login, sub: input.sub };
  for (const claim of [...ACCOUNT_CLAIMS, 'acr']) {
    if (input[claim] !== undefined) account[claim] = input[claim];
  }
  // Replace semantics: drop any older entry that shares the login or the sub.
  for (const old of [accountsByLogin.get(account.login), accountsBySub.get(account.sub)]) {
    if (old) {
      accountsByLogin.delete(old.login);
      accountsBySub.delete(old.sub);
    }
  }
  accountsByLogin.set(account.login, account);
  accountsBySub.set(account.sub, account);
  return account;
}

// ---------------------------------------------------------------------------
// Small helpers

function html(strings, ...values) {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? values[i] : ''), '');
}

function esc(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

async function readBody(ctx, limit = 64 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += chunk.length;
    if (size > limit) ctx.throw(413, 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(ctx) {
  const raw = await readBody(ctx);
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function sendJson(ctx, status, body) {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

function page(title, body) {
  return html`<!DOCTYPE html>
<html lang="de">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${esc(title)}</title>
  <style>
    body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; color: #111; }
    label { display: block; font-weight: 600; margin-bottom: .25rem; }
    input[type=text] { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; border: 1px solid #555; }
    button { margin-top: 1rem; padding: .5rem 1.25rem; font-size: 1rem; }
    .error { color: #a00000; border: 1px solid #a00000; padding: .5rem; }
    :focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
  </style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function loginPage({ uid, clientName, error, login }) {
  return page('Anmeldung – Test-Identitätsanbieter', html`
  <h1>Anmeldung</h1>
  <p>Test-Identitätsanbieter für ${esc(clientName)}.</p>
  ${error ? html`<p class="error" id="fehler" role="alert">${esc(error)}</p>` : ''}
  <form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
    <label for="login">Benutzerkennung</label>
    <input type="text" id="login" name="login" required autofocus
      value="${esc(login ?? '')}"${error ? ' aria-invalid="true" aria-describedby="fehler"' : ''}>
    <button type="submit" id="anmelden">Anmelden</button>
  </form>`);
}

// ---------------------------------------------------------------------------
// ID token tampering (fault modes)

async function tamperIdToken(idToken) {
  const header = jose.decodeProtectedHeader(idToken);
  const payload = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  let signer = primaryKey;

  switch (mode) {
    case 'wrong_aud':
      payload.aud = 'someone-else';
      break;
    case 'expired':
      payload.iat = now - 3600;
      payload.exp = now - 1800;
      if (payload.auth_time !== undefined) payload.auth_time = Math.min(payload.auth_time, now - 3600);
      break;
    case 'wrong_nonce':
      payload.nonce = randomBytes(16).toString('base64url');
      break;
    case 'wrong_iss':
      payload.iss = 'http://127.0.0.1:1/other';
      break;
    case 'unknown_key':
      signer = unknownKey;
      break;
    case 'rotated':
      signer = rotationKeys[rotationKeys.length - 1];
      break;
    default:
      return idToken;
  }

  return new jose.SignJWT(payload)
    .setProtectedHeader({ ...header, alg: ALG, kid: signer.kid })
    .sign(signer.key);
}

async function setMode(next) {
  if (next === 'rotated' && mode !== 'rotated') {
    // Every entry into `rotated` creates a fresh key with a new kid, so an RP
    // that cached any earlier JWKS has to re-fetch it.
    rotationKeys.push(await makeSigningKey('key2'));
  }
  mode = next;
}

// ---------------------------------------------------------------------------
// Listen first (PORT may be 0), then build the provider with the real issuer.

const server = http.createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(Number(process.env.PORT ?? 0), HOST, () => {
    server.off('error', reject);
    resolve();
  });
});
const issuer = `http://${HOST}:${server.address().port}`;

let staticClients = [];
if (process.env.OIDC_CLIENTS) {
  staticClients = JSON.parse(process.env.OIDC_CLIENTS);
  if (!Array.isArray(staticClients)) throw new TypeError('OIDC_CLIENTS must be a JSON array');
}

const configuration = {
  clients: staticClients,
  jwks: { keys: [primaryKey.privateJwk] },
  routes: ROUTES,

  clientDefaults: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: ALG,
  },
  // Both are accepted for every secret-based client, whatever it registered.
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  responseTypes: ['code'],
  pkce: { required: () => true }, // only S256 is supported by oidc-provider 9
  enabledJWA: { idTokenSigningAlgValues: [ALG] },

  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    acr: null,
    auth_time: null,
    iss: null,
    sid: null,
    // acr/auth_time are otherwise only put into the ID token when the RP sends
    // acr_values/max_age; listing them under `openid` always includes them.
    openid: ['sub', 'acr', 'auth_time'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'organization'],
    groups: ['groups'],
  },
  // Put scope-requested claims into the ID token, not only into userinfo.
  conformIdTokenClaims: false,
  acrValues: ACR_VALUES,

  cookies: {
    keys: [randomBytes(32).toString('base64url')],
    // No `secure` flag: plain http on 127.0.0.1 must work.
    long: { httpOnly: true, sameSite: 'lax' },
    short: { httpOnly: true, sameSite: 'lax' },
  },

  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 300,
    IdToken: 3600,
    Interaction: 3600,
    Session: 86400,
    Grant: 86400,
  },

  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true, initialAccessToken: false },
    userinfo: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      // `form` is the provider's confirmation form (id="op.logoutForm", hidden
      // xsrf input). Add logout=yes (end the whole session) and submit it at once.
      async logoutSource(ctx, form) {
        const formWithLogout = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
        ctx.body = page('Abmeldung – Test-Identitätsanbieter', html`
  <h1>Abmeldung</h1>
  ${formWithLogout}
  <noscript><p>JavaScript ist deaktiviert.</p></noscript>
  <button type="submit" form="op.logoutForm" id="abmelden">Abmelden</button>
  <script>document.getElementById('op.logoutForm').submit();</script>`);
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = page('Abgemeldet – Test-Identitätsanbieter', html`
  <h1>Abgemeldet</h1>
  <p>Sie sind beim Test-Identitätsanbieter abgemeldet.</p>`);
      },
    },
  },

  interactions: {
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },

  async findAccount(ctx, sub) {
    const account = accountsBySub.get(sub);
    if (!account) return undefined;
    return {
      accountId: account.sub,
      async claims() {
        const claims = { sub: account.sub };
        for (const claim of ACCOUNT_CLAIMS) {
          if (account[claim] !== undefined) claims[claim] = account[claim];
        }
        return claims;
      },
    };
  },

  // Skip consent: always grant whatever OIDC scopes/claims are requested.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!grant || grant.accountId !== oidc.session.accountId) {
      grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
    }
    grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
    if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
    await grant.save();
    return grant;
  },

  clientBasedCORS: () => true,

  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Fehler – Test-Identitätsanbieter', html`
  <h1>Fehler</h1>
  ${Object.entries(out).map(([k, v]) => html`<p><strong>${esc(k)}</strong>: <span class="${esc(k)}">${esc(v)}</span></p>`).join('\n')}`);
  },
};

const provider = new Provider(issuer, configuration);
provider.proxy = false;

// --- Test hooks and interaction pages (run before the provider's own routes).
provider.use(async (ctx, next) => {
  const { path, method } = ctx;

  if (path === '/_test/health' && method === 'GET') {
    ctx.type = 'text/plain';
    ctx.body = 'ok';
    return;
  }

  if (path === '/_test/mode') {
    if (method === 'GET') {
      sendJson(ctx, 200, { mode });
      return;
    }
    if (method === 'POST') {
      const body = await readJson(ctx);
      if (!body || !MODES.has(body.mode)) {
        sendJson(ctx, 400, { error: 'invalid_mode', modes: [...MODES] });
        return;
      }
      await setMode(body.mode);
      sendJson(ctx, 200, { mode });
      return;
    }
  }

  if (path === '/_test/accounts') {
    if (method === 'GET') {
      sendJson(ctx, 200, [...accountsByLogin.values()]);
      return;
    }
    if (method === 'POST') {
      const body = await readJson(ctx);
      const problem = body === undefined ? 'body must be JSON' : validateAccount(body);
      if (problem) {
        sendJson(ctx, 400, { error: 'invalid_account', error_description: problem });
        return;
      }
      sendJson(ctx, 200, storeAccount(body));
      return;
    }
  }

  const match = /^\/interaction\/([^/]+)(\/login)?$/.exec(path);
  if (match) {
    const [, uid, isLogin] = match;
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'html';
    let details;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
      if (details.uid !== uid) throw new Error('interaction uid mismatch');
    } catch (err) {
      ctx.status = 400;
      ctx.body = page('Fehler – Test-Identitätsanbieter', html`
  <h1>Fehler</h1><p role="alert">Anmeldevorgang nicht gefunden oder abgelaufen (${esc(err.message)}).</p>`);
      return;
    }
    const client = await provider.Client.find(details.params.client_id);
    const clientName = client?.clientName ?? details.params.client_id;

    const finish = async (result) => {
      const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
        mergeWithLastSubmission: false,
      });
      ctx.redirect(returnTo);
      ctx.status = 303;
    };

    // Consent is normally never prompted (see loadExistingGrant); if it is, grant it.
    if (details.prompt.name === 'consent') {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      const { missingOIDCScope, missingOIDCClaims } = details.prompt.details;
      if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
      if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
      const grantId = await grant.save();
      await finish({ consent: { grantId } });
      return;
    }

    if (method === 'GET' && !isLogin) {
      ctx.status = 200;
      ctx.body = loginPage({ uid, clientName });
      return;
    }

    if (method === 'POST' && isLogin) {
      const form = new URLSearchParams(await readBody(ctx));
      const login = (form.get('login') ?? '').trim();
      const account = accountsByLogin.get(login);
      if (!account) {
        ctx.status = 422;
        ctx.body = loginPage({ uid, clientName, login, error: 'Unbekannte Benutzerkennung.' });
        return;
      }
      const result = {
        login: { accountId: account.sub, amr: ['pwd'], remember: true },
      };
      if (account.acr) result.login.acr = account.acr;
      await finish(result);
      return;
    }

    ctx.status = 405;
    ctx.body = page('Fehler', '<h1>Methode nicht erlaubt</h1>');
    return;
  }

  await next();

  // --- Fault injection on the token endpoint's JSON response.
  if (path === ROUTES.token && ctx.status === 200 && mode !== 'normal'
    && ctx.body && typeof ctx.body === 'object' && typeof ctx.body.id_token === 'string') {
    ctx.body = { ...ctx.body, id_token: await tamperIdToken(ctx.body.id_token) };
  }

  // --- Rotation: publish the additional key(s) in the JWKS.
  if (path === ROUTES.jwks && ctx.status === 200 && rotationKeys.length
    && ctx.body && Array.isArray(ctx.body.keys)) {
    const type = ctx.type;
    ctx.body = { keys: [...ctx.body.keys, ...rotationKeys.map((k) => k.publicJwk)] };
    ctx.type = type;
  }
});

server.on('request', provider.callback());

function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

process.stdout.write(`OIDC_PROVIDER_READY ${issuer}\n`);
