import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/preact";
import { options } from "preact";
import { afterEach } from "vitest";

// Preact runs effects after the next frame, racing requestAnimationFrame with a 100 ms timer that calls
// cancelAnimationFrame; when that timer fires after a test file's jsdom is gone, the global is missing. A plain
// timer schedules them the same way without touching the window.
options.requestAnimationFrame = (callback) => void setTimeout(callback, 0);

// findBy*/waitFor wait up to 5 s, not 1 s: on two shared cores a page behind sign-in can take longer to appear.
configure({ asyncUtilTimeout: 5000 });
afterEach(() => cleanup());
