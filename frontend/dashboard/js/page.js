// What every page component shares: formatting helpers and one way of reporting API failures.
import { helpers } from './format.js';
import { clearFieldErrors, showFieldErrors } from './validation.js';

export function page(extra) {
  const base = {
    ...helpers,
    error: '',
    unavailable: false,
    loading: false,

    /**
     * Runs `work`; a route the server lacks sets `unavailable`, a 422 list marks the form fields it is about,
     * any other failure sets `error`.
     */
    async attempt(work) {
      this.error = '';
      clearFieldErrors(this.$root);
      try {
        return await work();
      } catch (e) {
        if (e.missingRoute) this.unavailable = true;
        else if (e.status === 422 && Array.isArray(e.detail)) this.error = showFieldErrors(this.$root, e.detail);
        else this.error = e.message;
        return undefined;
      }
    },

    toast(text, kind = 'ok') {
      this.$store.toasts.push(text, kind);
    },
  };
  // Descriptors, not spread: a page's getters must stay getters.
  return Object.defineProperties(base, Object.getOwnPropertyDescriptors(extra));
}

export function stores() {
  return {
    toasts: {
      items: [],
      next: 1,
      push(text, kind = 'ok') {
        const id = this.next++;
        this.items.push({ id, text, kind });
        setTimeout(() => this.dismiss(id), kind === 'error' ? 8000 : 4000);
      },
      dismiss(id) {
        this.items = this.items.filter((t) => t.id !== id);
      },
    },
    // A secret the API shows once (API token, widget key, webhook secret), until the user closes it.
    secret: {
      title: '',
      value: '',
      hint: '',
      copied: false,
      show(title, value, hint = '') {
        Object.assign(this, { title, value, hint, copied: false });
      },
      async copy() {
        try {
          await navigator.clipboard.writeText(this.value);
          this.copied = true;
        } catch {
          this.copied = false;
        }
      },
      close() {
        this.value = '';
      },
    },
  };
}
