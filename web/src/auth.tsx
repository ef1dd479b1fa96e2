import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, errorText, type Me, tokenStore, unwrap, whenUnauthorized } from './api/client';

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

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState<string | null>(tokenStore.get());
  const [notice, setNotice] = useState<string | null>(null);

  const me = useQuery({
    queryKey: ['me', token],
    enabled: token !== null,
    retry: false,
    queryFn: async () => unwrap(await api.GET('/api/v1/auth/me')),
  });

  useEffect(() => {
    whenUnauthorized((message) => {
      tokenStore.clear();
      setToken(null);
      setNotice(`${message} Sign in again to continue.`);
      queryClient.clear();
    });
  }, [queryClient]);

  const signIn = useCallback(async (username: string, password: string) => {
    const { data, error } = await api.POST('/api/v1/auth/login', { body: { username, password } });
    if (!data) throw new Error(errorText(error, 'Sign-in failed'));
    tokenStore.set(data.access_token);
    setNotice(null);
    setToken(data.access_token);
  }, []);

  const signOut = useCallback(async () => {
    await api.POST('/api/v1/auth/logout').catch(() => undefined);
    tokenStore.clear();
    setToken(null);
    setNotice('You signed out.');
    queryClient.clear();
  }, [queryClient]);

  const value = useMemo<AuthState>(() => {
    const current = token !== null ? (me.data ?? null) : null;
    const permissions = new Set<string>(current?.permissions ?? []);
    return {
      me: current,
      loading: token !== null && me.isPending,
      notice,
      can: (permission) => permissions.has(permission),
      signIn,
      signOut,
    };
  }, [token, me.data, me.isPending, notice, signIn, signOut]);
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
