import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

/** Every role with its permissions (role_manage or user_manage). */
export function useRoles(enabled = true) {
  return useQuery({
    queryKey: ['roles'],
    enabled,
    queryFn: async () => unwrap(await api.GET('/api/v1/roles', { params: { query: { limit: 1000 } } })),
  });
}

/** The permission catalogue with descriptions. */
export function usePermissions(enabled = true) {
  return useQuery({
    queryKey: ['permissions'],
    enabled,
    queryFn: async () => unwrap(await api.GET('/api/v1/permissions')),
  });
}

/** The built-in admin role and the default role of new users. */
export function useRoleDefaults(enabled = true) {
  return useQuery({
    queryKey: ['roles', 'defaults'],
    enabled,
    staleTime: 60_000,
    queryFn: async () => unwrap(await api.GET('/api/v1/roles/defaults')),
  });
}

/** How many active admins there are (the last one cannot be disabled, demoted or deleted). */
export function useActiveAdminCount(enabled = true) {
  return useQuery({
    queryKey: ['users', 'active-admins'],
    enabled,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/users', { params: { query: { role: 'admin', is_active: true, limit: 1 } } })).total,
  });
}
