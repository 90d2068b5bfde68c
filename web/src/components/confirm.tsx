import type { ComponentChildren } from 'preact';

/** A question in place of the button that asked it: the dangerous answer, and Cancel. */
export function Confirm({ id, question, confirmLabel, busy, onConfirm, onCancel }: { id: string; question: ComponentChildren; confirmLabel: string; busy: boolean; onConfirm: () => void; onCancel: () => void }) {
  return (
    <div class="confirm" role="group" aria-labelledby={id}>
      <p id={id}>{question}</p>
      <div class="buttons">
        <button type="button" class="danger" disabled={busy} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
