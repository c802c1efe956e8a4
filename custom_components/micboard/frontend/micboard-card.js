// Placeholder replaced by the card build (issue 5).
customElements.define("micboard-card", class extends HTMLElement {});
