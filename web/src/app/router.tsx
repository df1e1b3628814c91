import type { ComponentType } from "react";
import { createBrowserRouter, type RouteObject } from "react-router";
import { Layout } from "./Layout";
import { Loading } from "./Loading";
import { RouteError } from "./RouteError";

/** Every page is its own chunk, loaded when its route is first visited. */
function page(load: () => Promise<ComponentType>): Pick<RouteObject, "lazy"> {
  return { lazy: async () => ({ Component: await load() }) };
}

export const routes: RouteObject[] = [
  {
    element: <Layout />,
    errorElement: <RouteError />,
    hydrateFallbackElement: <Loading />,
    children: [
      { index: true, ...page(() => import("../features/tours/SearchPage").then((m) => m.SearchPage)) },
      { path: "tours/:tourId", ...page(() => import("../features/tours/TourPage").then((m) => m.TourPage)) },
      { path: "tours/:tourId/book", ...page(() => import("../features/bookings/BookPage").then((m) => m.BookPage)) },
      { path: "bookings", ...page(() => import("../features/bookings/MyBookingsPage").then((m) => m.MyBookingsPage)) },
      { path: "bookings/:bookingId", ...page(() => import("../features/bookings/BookingPage").then((m) => m.BookingPage)) },
      { path: "sign-in", ...page(() => import("../features/auth/SignInPage").then((m) => m.SignInPage)) },
      { path: "sign-in/callback", ...page(() => import("../features/auth/OAuthLandingPage").then((m) => m.OAuthLandingPage)) },
      { path: "sign-up", ...page(() => import("../features/auth/SignUpPage").then((m) => m.SignUpPage)) },
      { path: "forgot-password", ...page(() => import("../features/auth/ForgotPasswordPage").then((m) => m.ForgotPasswordPage)) },
      { path: "reset-password", ...page(() => import("../features/auth/ResetPasswordPage").then((m) => m.ResetPasswordPage)) },
      { path: "verify-email", ...page(() => import("../features/auth/VerifyEmailPage").then((m) => m.VerifyEmailPage)) },
      { path: "account", ...page(() => import("../features/account/AccountPage").then((m) => m.AccountPage)) },
      { path: "support", ...page(() => import("../features/support/SupportPage").then((m) => m.SupportPage)) },
      { path: "support/:ticketId", ...page(() => import("../features/support/TicketPage").then((m) => m.TicketPage)) },
      { path: "favourites", ...page(() => import("../features/favourites/FavouritesPage").then((m) => m.FavouritesPage)) },
      { path: "admin/tours", ...page(() => import("../features/admin/AdminToursPage").then((m) => m.AdminToursPage)) },
      { path: "admin/tours/new", ...page(() => import("../features/admin/TourEditPage").then((m) => m.TourEditPage)) },
      { path: "admin/tours/:tourId", ...page(() => import("../features/admin/TourEditPage").then((m) => m.TourEditPage)) },
      { path: "admin/bookings", ...page(() => import("../features/admin/AdminBookingsPage").then((m) => m.AdminBookingsPage)) },
      { path: "admin/check-in", ...page(() => import("../features/admin/CheckInPage").then((m) => m.CheckInPage)) },
      { path: "admin/tickets", ...page(() => import("../features/admin/AdminTicketsPage").then((m) => m.AdminTicketsPage)) },
      { path: "admin/users", ...page(() => import("../features/admin/AdminUsersPage").then((m) => m.AdminUsersPage)) },
      { path: "*", ...page(() => import("./NotFoundPage").then((m) => m.NotFoundPage)) },
    ],
  },
];

export function createRouter() {
  return createBrowserRouter(routes);
}
