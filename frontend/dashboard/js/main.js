// Registers the stores and page components before Alpine starts (this module runs before vendor/alpine).
import { app } from './app.js';
import { agentPanel } from './pages/agents.js';
import { botsPage } from './pages/bots.js';
import { chatsPage } from './pages/chats.js';
import { embedPanel } from './pages/embed.js';
import { evalPanel } from './pages/evaluations.js';
import { gapsPanel } from './pages/gaps.js';
import { loginPage } from './pages/login.js';
import { overviewPage } from './pages/overview.js';
import { settingsPage } from './pages/settings.js';
import { sourceForm } from './pages/sourceform.js';
import { sourcesPage } from './pages/sources.js';
import { tokensPage } from './pages/tokens.js';
import { tryIt } from './pages/tryit.js';
import { usagePage } from './pages/usage.js';
import { usersPage } from './pages/users.js';
import { webhooksPage } from './pages/webhooks.js';
import { stores } from './page.js';
import { sessionStore } from './session.js';

const components = {
  app,
  loginPage,
  overviewPage,
  botsPage,
  tryIt,
  embedPanel,
  agentPanel,
  evalPanel,
  gapsPanel,
  sourcesPage,
  sourceForm,
  chatsPage,
  webhooksPage,
  tokensPage,
  usersPage,
  usagePage,
  settingsPage,
};

document.addEventListener('alpine:init', () => {
  const { Alpine } = window;
  for (const [name, store] of Object.entries(stores())) Alpine.store(name, store);
  Alpine.store('session', sessionStore());
  for (const [name, factory] of Object.entries(components)) Alpine.data(name, factory);
});
