import { useStore } from 'zustand';
import { sessionToken } from './session-token';

/** Forgets the token (this tab's session storage) and shows the sign-in form; nothing while no token is held. */
export function SignOutButton() {
  const signedIn = useStore(sessionToken, (s) => s.token !== undefined);
  if (!signedIn) return null;
  return (
    <button data-testid="sign-out" title="Forget the runner's token in this tab" onClick={() => sessionToken.getState().signOut()}>
      Sign out
    </button>
  );
}
