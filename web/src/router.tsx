import { createContext, type ComponentChildren } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';

interface Route {
  path: string;
  navigate: (to: string) => void;
}

const RouteContext = createContext<Route>({ path: '/', navigate: () => undefined });

/** History routing: every path serves index.html (hearthd does), and this picks the page. */
export function Router({ children }: { children: ComponentChildren }) {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = (): void => setPath(location.pathname);
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const navigate = (to: string): void => {
    if (to === location.pathname) return;
    history.pushState(null, '', to);
    setPath(to);
    scrollTo(0, 0);
  };
  return <RouteContext.Provider value={{ path, navigate }}>{children}</RouteContext.Provider>;
}

export const useRoute = (): Route => useContext(RouteContext);

/** A link that moves within the app without reloading; modified clicks (new tab) stay the browser's. */
export function Link({ href, children, class: className }: { href: string; children: ComponentChildren; class?: string }) {
  const { navigate } = useRoute();
  return (
    <a
      href={href}
      class={className}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
