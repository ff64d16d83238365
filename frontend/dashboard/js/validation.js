// The API's 422 validation lists ({detail: [{loc, msg, type, ctx}]}, FastAPI's pydantic shape) as messages
// a person reads, placed under the form fields they are about.

/** The field a problem is about: the last name in its location ("body.events.0" -> "events"). */
export function fieldOf(problem) {
  const names = (problem.loc || []).filter((part) => typeof part === 'string' && part !== 'body');
  return names.length ? names[names.length - 1] : '';
}

/** A bound the message states: ctx when the server sends it, else the number in pydantic's wording. */
function bound(problem, key, words) {
  if (problem.ctx && problem.ctx[key] !== undefined) return problem.ctx[key];
  const match = new RegExp(`${words} (-?[\\d.]+)`).exec(problem.msg || '');
  return match ? match[1] : '?';
}

/** A pydantic message in plain words ("List should have at least 1 item..." -> "Choose at least 1."). */
export function plain(problem) {
  const msg = String(problem.msg || '');
  const many = Array.isArray(problem.input) || /^(List|Set|Tuple)\b/.test(msg);
  switch (problem.type) {
    case 'missing':
      return 'Required.';
    case 'too_short':
      return many
        ? `Choose at least ${bound(problem, 'min_length', 'at least')}.`
        : `Too short: at least ${bound(problem, 'min_length', 'at least')}.`;
    case 'too_long':
      return many
        ? `Choose at most ${bound(problem, 'max_length', 'at most')}.`
        : `Too long: at most ${bound(problem, 'max_length', 'at most')}.`;
    case 'string_too_short': {
      const min = bound(problem, 'min_length', 'at least');
      return String(min) === '1' ? 'Required.' : `At least ${min} characters.`;
    }
    case 'string_too_long':
      return `At most ${bound(problem, 'max_length', 'at most')} characters.`;
    case 'string_pattern_mismatch':
      return 'Not in the expected format.';
    case 'greater_than_equal':
      return `At least ${bound(problem, 'ge', 'equal to')}.`;
    case 'greater_than':
      return `More than ${bound(problem, 'gt', 'greater than')}.`;
    case 'less_than_equal':
      return `At most ${bound(problem, 'le', 'equal to')}.`;
    case 'less_than':
      return `Less than ${bound(problem, 'lt', 'less than')}.`;
    case 'int_parsing':
    case 'int_from_float':
    case 'float_parsing':
      return 'Enter a number.';
    case 'url_parsing':
    case 'url_scheme':
    case 'url_type':
      return 'Enter a full URL, starting with https:// (or http://).';
    case 'enum':
    case 'literal_error':
      return `${msg.replace(/^Input should be /, 'Choose ')}.`;
    case 'extra_forbidden':
      return 'Not a field this server accepts.';
    default: {
      const text = (msg || 'Not valid').replace(/^Value error, /, '');
      const capital = text.charAt(0).toUpperCase() + text.slice(1);
      return /[.!?]$/.test(capital) ? capital : `${capital}.`;
    }
  }
}

function label(field) {
  return field ? field.replace(/_/g, ' ') : 'request';
}

/** One line for all problems, for where no field can show them: "events: choose at least 1." */
export function summary(problems) {
  return problems
    .map((p) => `${label(fieldOf(p))}: ${plain(p).charAt(0).toLowerCase()}${plain(p).slice(1)}`)
    .join(' ');
}

// Per component root, the notes it placed: a page's polling must not clear the notes of a form inside it.
const placed = new WeakMap();

export function clearFieldErrors(root) {
  for (const [note, target] of (root && placed.get(root)) || []) {
    note.remove();
    target.removeAttribute('aria-invalid');
  }
  if (root) placed.delete(root);
}

/**
 * Puts each problem under its field (`name=` or `data-field=` inside a form of `root`); returns the text for
 * the page's error line: the problems no field could show, or a pointer to the fields.
 */
export function showFieldErrors(root, problems) {
  const unplaced = [];
  let first = null;
  for (const problem of problems) {
    const field = fieldOf(problem);
    const selector = `form [name="${CSS.escape(field)}"], form [data-field="${CSS.escape(field)}"]`;
    const target = root && field ? root.querySelector(selector) : null;
    if (!target) {
      unplaced.push(problem);
      continue;
    }
    const holder = target.closest('label, fieldset') || target;
    const note = document.createElement('p');
    note.className = 'field-error';
    note.textContent = plain(problem);
    holder.after(note);
    target.setAttribute('aria-invalid', 'true');
    placed.set(root, [...(placed.get(root) || []), [note, target]]);
    first = first || target;
  }
  if (first && typeof first.focus === 'function') first.focus();
  if (unplaced.length) return summary(unplaced);
  return 'Please correct the fields marked below.';
}
