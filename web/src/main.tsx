import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClientProvider } from "@tanstack/react-query";
import { RouterProvider } from "react-router";
import { resume } from "./api/session";
import { createQueryClient } from "./app/queryClient";
import { createRouter } from "./app/router";
import { setupI18n } from "./i18n";
import "./styles.css";

// A returning visitor's cookie becomes an access token while the catalog loads; neither waits for the other.
void resume();
await setupI18n();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={createQueryClient()}>
      <RouterProvider router={createRouter()} />
    </QueryClientProvider>
  </StrictMode>,
);
