import { createContext, useContext, type ReactNode } from 'react';
import { createApi, type Api } from '../lib/api';

const ApiContext = createContext<Api>(createApi());

/** Which runner the editor talks to: the page's own origin in the browser, a test server's URL in tests. */
export function ApiProvider({ api, children }: { api: Api; children: ReactNode }) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export const useApi = (): Api => useContext(ApiContext);
