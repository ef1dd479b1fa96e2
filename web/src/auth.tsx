import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, errorText, type Me, session, unwrap } from './api/client';

interface AuthState {
  me: Me | null;
  loading: boolean;
  /** Why the user is on the sign-in page (a session that ended), if anything. */
  notice: string | null;
  can(permission: string): boolean;
  signIn(username: string, password: string): Promise<void>;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

/**
 * Who is signed in. The access token is in memory only (`session`); on load the refresh cookie is
 * exchanged for one, so a reload or a new tab stays signed in. A renewal later on changes nothing
 * here: only signing in, signing out and a session that ended do.
 */
export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  /** Counts sign-ins (the `me` query of each is its own); null while signed out. */
  const [signedIn, setSignedIn] = useState<number | null>(null);
  /** The first renewal, on load, is under way. */
  const [resuming, setResuming] = useState(true);
  const [notice, setNotice] = useState<string | null>(null);

  const me = useQuery({
    queryKey: ['me', signedIn],
    enabled: signedIn !== null,
    retry: false,
    queryFn: async () => unwrap(await api.GET('/api/v1/auth/me')),
  });

  useEffect(() => {
    session.whenEnded((message) => {
      setSignedIn(null);
      setNotice(message);
      queryClient.clear();
    });
    let cancelled = false;
    void session.renew().then((outcome) => {
      if (cancelled) return;
      if (outcome === 'renewed') setSignedIn((count) => count ?? 1);
      setResuming(false);
    });
    return () => {
      cancelled = true;
    };
  }, [queryClient]);

  const signIn = useCallback(async (username: string, password: string) => {
    const { data, error } = await api.POST('/api/v1/auth/login', { body: { username, password } });
    if (!data) throw new Error(errorText(error, 'Sign-in failed'));
    session.set(data.access_token);
    setNotice(null);
    setResuming(false);
    setSignedIn((count) => (count ?? 0) + 1);
  }, []);

  const signOut = useCallback(async () => {
    // The server revokes the access token and the session's refresh tokens, and clears the cookie.
    await api.POST('/api/v1/auth/logout').catch(() => undefined);
    session.clear();
    setSignedIn(null);
    setNotice('You signed out.');
    queryClient.clear();
  }, [queryClient]);

  const value = useMemo<AuthState>(() => {
    const current = signedIn !== null ? (me.data ?? null) : null;
    const permissions = new Set<string>(current?.permissions ?? []);
    return {
      me: current,
      loading: resuming || (signedIn !== null && me.isPending),
      notice,
      can: (permission) => permissions.has(permission),
      signIn,
      signOut,
    };
  }, [signedIn, resuming, me.data, me.isPending, notice, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth outside AuthProvider');
  return state;
}

/** Admins and view_all users see every user's jobs, executions and logs. */
export function seesEveryone(auth: AuthState): boolean {
  return auth.can('view_all') || (auth.me?.roles ?? []).includes('admin');
}
