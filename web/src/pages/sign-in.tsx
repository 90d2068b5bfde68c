import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { ErrorNote } from '../components/state.js';
import { asError } from '../task.js';

const MIN_PASSWORD = 8;

function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}

/**
 * Sign in, or on the first visit set the password: that takes the setup code hearthd wrote to a
 * root-only file, so only someone with root on this machine can claim the dashboard.
 */
export function SignIn({ api, onSignedIn }: { api: Api; onSignedIn: () => void }) {
  const [passwordSet, setPasswordSet] = useState<boolean | null>(null);
  const [codeFile, setCodeFile] = useState('/var/lib/hearth/web/setup-code');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    api.authState().then((s) => {
      setPasswordSet(s.passwordSet);
      if (s.setupCodeFile) setCodeFile(s.setupCodeFile);
    }, (e: unknown) => setError(asError(e)));
  }, [api]);
  useEffect(() => first.current?.focus(), [passwordSet]);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const password = field(form, 'password');
    setBusy(true);
    setError(null);
    try {
      if (passwordSet) await api.signIn(password);
      else {
        if (password !== field(form, 'confirm')) throw new Error('the two passwords differ');
        await api.setup(field(form, 'setupCode'), password);
      }
      onSignedIn();
    } catch (e) {
      setError(asError(e));
    } finally {
      setBusy(false);
    }
  };

  if (passwordSet === null) return <main id="main" class="narrow"><h1>hearth</h1>{error ? <ErrorNote error={error} /> : <p role="status">Loading…</p>}</main>;
  return (
    <main id="main" class="narrow">
      <h1>{passwordSet ? 'Sign in to hearth' : 'Set the dashboard password'}</h1>
      {passwordSet ? null : (
        <p>
          This is the first visit. Enter the setup code hearthd wrote to <code>{codeFile}</code> (read it with{' '}
          <code>sudo cat {codeFile}</code>), and choose a password of at least {MIN_PASSWORD} characters.
        </p>
      )}
      <form class="card form" onSubmit={(e) => void submit(e)} aria-describedby="signin-error">
        {passwordSet ? null : (
          <label>
            Setup code
            <input ref={first} name="setupCode" autocomplete="one-time-code" required spellcheck={false} autocapitalize="characters" />
          </label>
        )}
        <label>
          Password
          <input ref={passwordSet ? first : undefined} name="password" type="password" required minLength={passwordSet ? undefined : MIN_PASSWORD} autocomplete={passwordSet ? 'current-password' : 'new-password'} />
        </label>
        {passwordSet ? null : (
          <label>
            Password again
            <input name="confirm" type="password" required minLength={MIN_PASSWORD} autocomplete="new-password" />
          </label>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : passwordSet ? 'Sign in' : 'Set password and sign in'}
        </button>
        <div id="signin-error">
          <ErrorNote error={error} />
        </div>
      </form>
    </main>
  );
}
