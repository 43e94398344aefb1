import { createContext, useContext, type ReactNode } from 'react';
import { createApi, type Api } from '../lib/api';
import { authHeaders, sessionToken } from '../auth/session-token';

// the page's own runner: the session's token on every request and stream, the sign-in form on a 401
const ApiContext = createContext<Api>(createApi({ headers: authHeaders, onUnauthorized: () => sessionToken.getState().refused() }));

/** Which runner the editor talks to: the page's own origin in the browser, a test server's URL in tests. */
export function ApiProvider({ api, children }: { api: Api; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export const useApi = (): Api => useContext(ApiContext);
