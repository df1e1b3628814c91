import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// findBy*/waitFor wait up to 5 s, not 1 s: on two shared cores a page behind sign-in can take longer to appear.
configure({ asyncUtilTimeout: 5000 });
afterEach(() => cleanup());
