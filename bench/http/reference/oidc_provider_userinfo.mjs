// panva's oidc-provider with its default in-memory adapter, one client, one account and one live
// access token minted through its own models (a grant, then the token). Prints
// `url access_token` and serves until killed. The reference for bench/http/bearer_bench.sh.
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 0);
const accounts = { ana: { sub: 'ana', email: 'ana@example.org', email_verified: true } };
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{ client_id: 'rp', client_secret: 'bench-secret', redirect_uris: ['https://rp.example/cb'] }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  findAccount: async (ctx, id) => accounts[id] && { accountId: id, claims: async () => accounts[id] },
  features: { revocation: { enabled: true } },
});
provider.proxy = false;

const client = await provider.Client.find('rp');
const grant = new provider.Grant({ accountId: 'ana', clientId: 'rp' });
grant.addOIDCScope('openid email');
const grantId = await grant.save();
const token = new provider.AccessToken({ accountId: 'ana', client, grantId, scope: 'openid email', expiresIn: 3600 });
const value = await token.save();

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${server.address().port} ${value}`);
});
