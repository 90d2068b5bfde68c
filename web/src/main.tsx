import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Api } from './api.js';
import { Link, Router, useRoute } from './router.js';
import { SignIn } from './pages/sign-in.js';
import { Services } from './pages/services.js';
import { Service } from './pages/service.js';
import { Install } from './pages/install.js';
import { Publishers } from './pages/publishers.js';
import { Store } from './pages/store.js';
import './styles.css';

type Auth = 'checking' | 'signed-out' | 'signed-in';

function App() {
  const api = useMemo(() => new Api(), []);
  const [auth, setAuth] = useState<Auth>(api.token ? 'checking' : 'signed-out');
  useEffect(() => api.onSignedOut(() => setAuth('signed-out')), [api]);
  useEffect(() => {
    // A token from an earlier visit: still good if hearthd answers with it.
    if (auth === 'checking') api.call('server.info', {}).then(() => setAuth('signed-in'), () => setAuth('signed-out'));
  }, [api, auth]);

  return (
    <Router>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/" class="brand">
          hearth
        </Link>
        {auth === 'signed-in' ? (
          <nav aria-label="Main">
            <Link href="/">Services</Link>
            <Link href="/install">Install</Link>
            <Link href="/store">Store</Link>
            <Link href="/publishers">Publishers</Link>
            <button type="button" class="link" onClick={() => void api.signOut().catch(() => setAuth('signed-out'))}>
              Sign out
            </button>
          </nav>
        ) : null}
      </header>
      {auth === 'checking' ? (
        <main id="main">
          <p role="status">Loading…</p>
        </main>
      ) : auth === 'signed-out' ? (
        <SignIn api={api} onSignedIn={() => setAuth('signed-in')} />
      ) : (
        <Pages api={api} />
      )}
    </Router>
  );
}

function Pages({ api }: { api: Api }) {
  const { path } = useRoute();
  const service = /^\/services\/([^/]+)\/?$/.exec(path);
  const page = path.split('?')[0];
  useEffect(() => {
    document.title = `${service ? decodeURIComponent(service[1] ?? '') : page === '/install' ? 'Install' : page === '/publishers' ? 'Publishers' : page === '/store' ? 'Store' : 'Services'} · hearth`;
  }, [path]);
  if (service) return <Service key={service[1]} api={api} id={decodeURIComponent(service[1] ?? '')} />;
  if (page === '/install') return <Install key={path} api={api} />;
  if (page === '/publishers') return <Publishers api={api} />;
  if (page === '/store') return <Store api={api} />;
  return <Services api={api} />;
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
