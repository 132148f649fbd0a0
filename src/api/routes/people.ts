/** Routes for sign-in, the caller, users, tokens and invitations. */
import { z } from '@hono/zod-openapi';
import * as auth from '../../coordinator/auth.js';
import type { CoordinatorEnv } from '../../coordinator/env.js';
import * as people from '../../coordinator/people.js';
import type { ApiApp } from '../context.js';
import { op } from '../route.js';
import {
  IdParam,
  Invitation,
  InvitationAccept,
  InvitationCreate,
  Removed,
  SessionCreate,
  Token,
  TokenCreate,
  TokenSecret,
  User,
  UserCreate,
} from '../schemas.js';

/** Registers the people routes. */
export function registerPeopleRoutes(app: ApiApp, env: CoordinatorEnv): void {
  const P = '/api/v1';
  op(
    app,
    {
      method: 'post',
      path: `${P}/sessions`,
      summary: 'Sign in with a password; returns a token',
      tag: 'auth',
      body: SessionCreate,
      response: TokenSecret,
      status: 201,
      public: true,
    },
    async (c, i) => auth.signIn(env, i.body, c.var.clientAddress),
  );
  op(
    app,
    { method: 'get', path: `${P}/me`, summary: 'Who you are', tag: 'auth', response: User },
    async (c) => people.showUser(env, c.var.principal, c.var.principal.userId),
  );
  // tokens
  op(
    app,
    {
      method: 'post',
      path: `${P}/tokens`,
      summary: 'Create an API token',
      tag: 'tokens',
      body: TokenCreate,
      response: TokenSecret,
      status: 201,
    },
    async (c, i) => auth.createToken(env, c.var.principal, i.body),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/tokens`,
      summary: 'List your API tokens',
      tag: 'tokens',
      response: z.array(Token),
    },
    async (c) => auth.listTokens(env, c.var.principal),
  );
  op(
    app,
    {
      method: 'delete',
      path: `${P}/tokens/{id}`,
      summary: 'Revoke an API token',
      tag: 'tokens',
      params: IdParam,
      response: Token.extend({ changed: z.boolean() }),
    },
    async (c, i) => auth.revokeToken(env, c.var.principal, i.params.id),
  );
  // users
  op(
    app,
    {
      method: 'post',
      path: `${P}/users`,
      summary: 'Add a user with roles',
      tag: 'users',
      body: UserCreate,
      response: User,
      status: 201,
    },
    async (c, i) => people.addUser(env, c.var.principal, i.body),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/users`,
      summary: 'List the users you may see',
      tag: 'users',
      response: z.array(User),
    },
    async (c) => people.listUsers(env, c.var.principal),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/users/{id}`,
      summary: 'Show a user',
      tag: 'users',
      params: IdParam,
      response: User,
    },
    async (c, i) => people.showUser(env, c.var.principal, i.params.id),
  );
  op(
    app,
    {
      method: 'delete',
      path: `${P}/users/{id}`,
      summary: 'Remove a user',
      tag: 'users',
      params: IdParam,
      response: Removed,
    },
    async (c, i) => people.removeUser(env, c.var.principal, i.params.id),
  );
  // invitations
  op(
    app,
    {
      method: 'post',
      path: `${P}/invitations`,
      summary: 'Invite a tenant or sender admin',
      tag: 'users',
      body: InvitationCreate,
      response: Invitation,
      status: 201,
    },
    async (c, i) => people.invite(env, c.var.principal, i.body),
  );
  op(
    app,
    {
      method: 'post',
      path: `${P}/invitations/accept`,
      summary: 'Accept an invitation (once, before it expires)',
      tag: 'users',
      body: InvitationAccept,
      response: z.object({ user: User, token: TokenSecret }),
      status: 201,
      public: true,
    },
    async (_c, i) => people.acceptInvitation(env, i.body),
  );
}
