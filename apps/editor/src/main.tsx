import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { config as zodConfig } from 'zod';
import { App } from './components/App';
import { latestVersionPath } from './lib/api';
import { fetchEarly } from './lib/early-fetch';
import { authHeaders } from './auth/session-token';
import { SignInGate } from './auth/SignInGate';
import { parseRoute } from './lib/route';
import './styles.css';

// the runner's CSP allows no eval: zod is told not to probe for it (the probe is a CSP violation)
zodConfig({ jitless: true });

// an open pipeline's document loads while the canvas's scripts do, not after them
const route = parseRoute(location.pathname, location.search);
if (route.page === 'pipeline') fetchEarly(latestVersionPath(route.name), authHeaders());

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SignInGate>
      <App />
    </SignInGate>
  </StrictMode>,
);
