// A real, OpenID-certified OpenID Connect provider (oidc-provider) for the portal's login tests,
// configured like ID-porten ("citizen") or like HelseID ("helseid"). See README.md.
// Usage: node provider.mjs CONFIG.json   (prints one line "READY <issuer>" when listening)
// CONFIG: {issuer, port, profile: "citizen"|"helseid", clients: [oidc-provider client metadata],
//          accounts: {login: claims}, idTokenTtl?: seconds, dpopNonce?: false (helseid only)}
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const citizen = config.profile === 'citizen';
if (!citizen && config.profile !== 'helseid') throw new Error(`unknown profile: ${config.profile}`);
console.info = console.error; // oidc-provider's notices go to stderr: stdout carries only READY.

const HELSEID_SCOPES = {
  'helseid://scopes/identity/pid': ['helseid://claims/identity/pid'],
  'helseid://scopes/identity/security_level': ['helseid://claims/identity/security_level'],
  'helseid://scopes/hpr/hpr_number': ['helseid://claims/hpr/hpr_number'],
};

// A login name's claims; the citizen profile accepts any 11-digit identity number.
function accountClaims(login) {
  if (Object.hasOwn(config.accounts ?? {}, login)) return config.accounts[login];
  if (citizen && /^\d{11}$/.test(login)) return { pid: login };
  return undefined;
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const html = (title, body) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(title)}</title></head><body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;

// The login page: the controls' ids and names are what tests drive (see README.md).
const loginPage = (uid, error) => html(`Test ${citizen ? 'ID-porten' : 'HelseID'} sign-in`, `
${error ? `<p id="error">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login">
<label for="login">User</label> <input type="text" name="login" id="login" autocomplete="off">
${citizen ? `<label for="acr">Level</label> <select name="acr" id="acr">
<option value="idporten-loa-high" selected>idporten-loa-high</option>
<option value="idporten-loa-substantial">idporten-loa-substantial</option></select>` : ''}
<button type="submit" id="sign-in">Sign in</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit" id="cancel">Cancel</button></form>`);

// A fresh RS256 signing key per run (ID tokens are RS256, like ID-porten's and HelseID's).
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' };

const provider = new Provider(config.issuer, {
  clients: config.clients,
  clientDefaults: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
    token_endpoint_auth_method: citizen ? 'client_secret_basic' : 'private_key_jwt',
    ...(citizen ? {} : { dpop_bound_access_tokens: true }), // HelseID requires DPoP
  },
  clientAuthMethods: citizen
    ? ['client_secret_basic', 'client_secret_post', 'private_key_jwt']
    : ['private_key_jwt'],
  responseTypes: ['code'],
  pkce: { required: () => true }, // every client, S256 only (oidc-provider 9 supports no other)
  acrValues: citizen ? ['idporten-loa-substantial', 'idporten-loa-high'] : [],
  scopes: ['openid', 'profile', ...(citizen ? [] : Object.keys(HELSEID_SCOPES))],
  // acr and amr under openid: in every ID token (oidc-provider otherwise adds acr only when
  // the client sent acr_values), as ID-porten does.
  claims: citizen
    ? { openid: ['sub', 'pid', 'acr', 'amr'], profile: ['name', 'given_name', 'family_name'] }
    : {
      openid: ['sub', 'amr'],
      profile: ['name', 'given_name', 'family_name', 'helseid://claims/client/claims/orgnr_parent'],
      ...HELSEID_SCOPES,
    },
  // ID-porten puts pid in the ID token; HelseID's claims come from the UserInfo endpoint only.
  conformIdTokenClaims: !citizen,
  findAccount: (ctx, sub) => {
    const claims = accountClaims(sub);
    return claims && { accountId: sub, claims: () => ({ ...claims, sub }) };
  },
  cookies: { keys: ['fixed-test-cookie-key-not-a-secret'] },
  jwks: { keys: [signingKey] },
  ttl: {
    AccessToken: 3600, AuthorizationCode: 60, Grant: 3600, Interaction: 3600, Session: 3600,
    IdToken: config.idTokenTtl ?? 3600,
  },
  clientBasedCORS: () => false,
  features: {
    devInteractions: { enabled: false }, // our own login page below
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: (ctx, form) => {
        ctx.body = html('Sign out?', `${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" id="logout">Sign out</button>`);
      },
      postLogoutSuccessSource: (ctx) => { ctx.body = html('Signed out', ''); },
    },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: !citizen },
    // HelseID answers use_dpop_nonce at its token endpoint until the proof carries its nonce.
    dPoP: {
      enabled: true,
      nonceSecret: crypto.randomBytes(32),
      requireNonce: (ctx) => !citizen && config.dpopNonce !== false && ctx.oidc.route === 'token',
    },
  },
  enabledJWA: { dPoPSigningAlgValues: ['ES256', 'PS256', 'RS256'] },
  renderError: (ctx, out) => {
    ctx.type = 'html';
    ctx.body = html('Sign-in error', `<p id="error">${esc(out.error)}: ${esc(out.error_description)}</p>`);
  },
});
provider.on('server_error', (ctx, err) => console.error(err));

// Consent is given with the login: a grant for the requested scopes (and claims parameter).
async function grantConsent(details, accountId) {
  const grant = details.grantId && details.session?.accountId === accountId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  if (details.params.claims) {
    const { id_token: idToken = {}, userinfo = {} } = JSON.parse(details.params.claims);
    grant.addOIDCClaims([...Object.keys(idToken), ...Object.keys(userinfo)]);
  }
  return grant.save();
}

async function finish(ctx, result) {
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false }));
  ctx.status = 303;
}

// GET /interaction/:uid, POST /interaction/:uid/login, GET or POST /interaction/:uid/abort.
provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(login|abort))?$/.exec(ctx.path);
  if (!match) return next();
  ctx.set('Cache-Control', 'no-store');
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const [, uid, action] = match;
  ctx.assert(details.uid === uid, 400, 'interaction mismatch');
  if (action === 'abort') {
    return finish(ctx, { error: 'access_denied', error_description: 'End-User aborted interaction' });
  }
  if (!action && details.prompt.name !== 'login') { // already signed in: consent only
    const accountId = details.session.accountId;
    return finish(ctx, { consent: { grantId: await grantConsent(details, accountId) } });
  }
  if (!action) {
    ctx.type = 'html';
    ctx.body = loginPage(uid);
    return undefined;
  }
  ctx.assert(ctx.method === 'POST', 405);
  let raw = '';
  for await (const chunk of ctx.req) raw += chunk;
  const form = new URLSearchParams(raw);
  const login = (form.get('login') ?? '').trim();
  if (!accountClaims(login)) {
    ctx.status = 400;
    ctx.type = 'html';
    ctx.body = loginPage(uid, 'Unknown user');
    return undefined;
  }
  const acr = citizen ? (form.get('acr') === 'idporten-loa-substantial'
    ? 'idporten-loa-substantial' : 'idporten-loa-high') : undefined;
  return finish(ctx, {
    login: { accountId: login, acr, amr: ['BankID'], remember: false },
    consent: { grantId: await grantConsent(details, login) },
  });
});

provider.listen(config.port, '127.0.0.1', () => console.log(`READY ${config.issuer}`));
