// The shell: hash routing (#/page?key=value) and the navigation, filtered by role.

export const PAGES = [
  { id: 'overview', label: 'Overview' },
  { id: 'bots', label: 'Bot profiles' },
  { id: 'sources', label: 'Sources' },
  { id: 'chats', label: 'Chat history' },
  { id: 'usage', label: 'Usage' },
  { id: 'webhooks', label: 'Webhooks', admin: true },
  { id: 'tokens', label: 'API tokens', admin: true },
  { id: 'users', label: 'Users', admin: true },
  { id: 'settings', label: 'Settings' },
];

export function app() {
  return {
    page: 'overview',
    params: {},
    pages: PAGES,
    menuOpen: false, // the navigation on a narrow screen, behind its Menu button

    init() {
      this.route();
      window.addEventListener('hashchange', () => this.route());
    },

    route() {
      const [name, query] = window.location.hash.replace(/^#\/?/, '').split('?');
      this.page = PAGES.some((p) => p.id === name) ? name : 'overview';
      this.params = Object.fromEntries(new URLSearchParams(query || ''));
      const title = PAGES.find((p) => p.id === this.page).label;
      document.title = `${title} · MiniRAG`;
      this.menuOpen = false;
    },

    toggleMenu() {
      this.menuOpen = !this.menuOpen;
    },

    visible(p) {
      return !p.admin || this.$store.session.isAdmin;
    },

    current(p) {
      return this.page === p.id ? 'page' : null;
    },

    is(name) {
      return this.page === name;
    },

    /** An admin page opened by a member (a typed or old link) says so instead of showing controls. */
    forbidden() {
      const meta = PAGES.find((p) => p.id === this.page);
      return Boolean(meta && meta.admin && !this.$store.session.isAdmin);
    },
  };
}
