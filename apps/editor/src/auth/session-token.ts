import { createStore } from 'zustand/vanilla';
import { createJSONStorage, persist } from 'zustand/middleware';

/**
 * The runner's token while the editor is signed in. Kept in sessionStorage (this tab, until it
 * closes or signs out), never localStorage and never the address: a token at rest in the profile
 * outlives the session, and one in a URL ends up in history and logs.
 */
export interface SessionState {
  token?: string;
  /** The runner answered 401: the sign-in form is shown instead of the page. */
  signInNeeded: boolean;
  /** Why the form is shown (a token that stopped working, a sign-out). */
  reason?: string;
  /** Counts sign-ins, so the pages load again once the token is there. */
  session: number;
  signIn(token: string): void;
  signOut(): void;
  /** A request was refused with 401. */
  refused(): void;
}

export const SESSION_STORAGE_KEY = 'patchbay.session';

const noStorage: Storage = { length: 0, clear() {}, getItem: () => null, key: () => null, removeItem() {}, setItem() {} };

export const sessionToken = createStore<SessionState>()(
  persist(
    (set, get) => ({
      signInNeeded: false,
      session: 0,
      signIn: (token) => set({ token, signInNeeded: false, reason: undefined, session: get().session + 1 }),
      signOut: () => set({ token: undefined, signInNeeded: true, reason: 'Signed out.' }),
      refused: () => {
        const had = get().token !== undefined;
        set({ token: undefined, signInNeeded: true, reason: had ? 'The runner no longer accepts the token this tab had: sign in again.' : undefined });
      },
    }),
    {
      name: SESSION_STORAGE_KEY,
      storage: createJSONStorage(() => (typeof sessionStorage === 'undefined' ? noStorage : sessionStorage)),
      // only the token is kept; whether the form shows is worked out again
      partialize: (state) => ({ token: state.token }),
    },
  ),
);

/** The header every request and event stream carries while signed in (the API client's header hook). */
export const authHeaders = (): Record<string, string> | undefined => {
  const token = sessionToken.getState().token;
  return token ? { authorization: `Bearer ${token}` } : undefined;
};
