import { join } from 'node:path';
import type { RpcDispatcher } from '@hearth/sdk/rpc';
import { createLogger } from '../../host/src/log.js';
import { StaticAssets } from '../../host/src/web/assets.js';
import { WebAuth } from '../../host/src/web/auth.js';
import { PasswordFile } from '../../host/src/web/password.js';
import { SetupCode } from '../../host/src/web/setup-code.js';
import { WebServer } from '../../host/src/web/server.js';
import { UploadStore } from '../../host/src/store/uploads.js';
import { REPO } from '../support/repo.js';

/**
 * The dashboard's own web server (the built web/dist, real sign-in) on 127.0.0.1 in front of a
 * scripted dispatcher instead of hearthd: for pages whose states a real host reaches too slowly or
 * rarely. Its setup code is in `<dir>/setup-code`.
 */
export async function scriptedWebServer(dir: string, dispatcher: RpcDispatcher): Promise<WebServer> {
  const setup = new SetupCode(join(dir, 'setup-code'));
  await setup.ensure();
  const auth = new WebAuth(new PasswordFile(join(dir, 'password.json')), setup, false, () => Date.now());
  const uploads = await UploadStore.open(join(dir, 'uploads'), 1024);
  return await WebServer.listen({ host: '127.0.0.1', port: 0, dispatcher, uploads, auth, assets: await StaticAssets.load(join(REPO, 'web/dist')), hostNames: new Set(), tls: null, logger: createLogger({ component: 'test' }) });
}
