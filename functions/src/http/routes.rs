//! The route table: a path and a method, parsed into a `Route` or refused with 404/405.

use ticketbooth_shared::ids::TicketId;
use ticketbooth_shared::site_key::SiteKey;
use ticketbooth_shared::ticket_code::TicketCode;

use super::error::ApiError;

#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Health,
    /// The public widget API of one site, under `/api/v1/sites/{site}/`.
    Site(SiteKey, SitePage),
    /// The operators' dashboard under `/app`.
    App(AppPage),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SitePage {
    /// `GET …/config`
    Config,
    /// `POST …/tickets` creates, `GET` lists the visitor's own.
    Tickets,
    /// `GET …/tickets/{id}`
    Ticket(TicketId),
}

#[derive(Debug, Clone, PartialEq)]
pub enum AppPage {
    /// `/app` → redirects to the list.
    Home,
    /// `GET` shows the form, `POST` signs in.
    Login,
    /// `POST /app/logout`
    Logout,
    /// `GET /app/tickets?status=&priority=&q=&page=`
    Tickets,
    /// `GET /app/tickets/{code}`
    Ticket(TicketCode),
}

impl Route {
    /// Parses a path; an unknown path, a malformed site key or a malformed id is a 404.
    pub fn parse(path: &str) -> Result<Self, ApiError> {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match segments.as_slice() {
            ["healthz"] => Ok(Route::Health),
            ["app"] | ["app", ""] => Ok(Route::App(AppPage::Home)),
            ["app", "login"] => Ok(Route::App(AppPage::Login)),
            ["app", "logout"] => Ok(Route::App(AppPage::Logout)),
            ["app", "tickets"] => Ok(Route::App(AppPage::Tickets)),
            ["app", "tickets", code] => {
                let code = TicketCode::parse(code).map_err(|_| ApiError::NotFound)?;
                Ok(Route::App(AppPage::Ticket(code)))
            }
            ["api", "v1", "sites", site, rest @ ..] => {
                let site = SiteKey::parse(site).map_err(|_| ApiError::SiteNotFound)?;
                let page = match rest {
                    ["config"] => SitePage::Config,
                    ["tickets"] => SitePage::Tickets,
                    ["tickets", id] => {
                        SitePage::Ticket(TicketId::parse(id).map_err(|_| ApiError::NotFound)?)
                    }
                    _ => return Err(ApiError::NotFound),
                };
                Ok(Route::Site(site, page))
            }
            _ => Err(ApiError::NotFound),
        }
    }

    /// The value of the `Allow` header: every method this route answers.
    pub fn allow(&self) -> &'static str {
        match self {
            Route::Health | Route::App(AppPage::Home | AppPage::Tickets | AppPage::Ticket(_)) => {
                "GET"
            }
            Route::App(AppPage::Login) => "GET, POST",
            Route::App(AppPage::Logout) => "POST",
            Route::Site(_, SitePage::Config | SitePage::Ticket(_)) => "GET, OPTIONS",
            Route::Site(_, SitePage::Tickets) => "GET, POST, OPTIONS",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_route() {
        let site = SiteKey::parse("acme").unwrap();
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(Route::parse("/healthz").unwrap(), Route::Health);
        assert_eq!(Route::parse("/app/").unwrap(), Route::App(AppPage::Home));
        assert_eq!(
            Route::parse("/app/tickets").unwrap(),
            Route::App(AppPage::Tickets)
        );
        let code = TicketCode::parse("TKT-7").unwrap();
        assert_eq!(
            Route::parse("/app/tickets/TKT-7").unwrap(),
            Route::App(AppPage::Ticket(code))
        );
        assert_eq!(
            Route::parse("/api/v1/sites/acme/config").unwrap(),
            Route::Site(site.clone(), SitePage::Config)
        );
        assert_eq!(
            Route::parse("/api/v1/sites/acme/tickets").unwrap(),
            Route::Site(site.clone(), SitePage::Tickets)
        );
        assert_eq!(
            Route::parse(&format!("/api/v1/sites/acme/tickets/{id}")).unwrap(),
            Route::Site(site, SitePage::Ticket(TicketId::parse(id).unwrap()))
        );
    }

    #[test]
    fn refuses_unknown_paths_with_the_right_404() {
        for path in [
            "/",
            "/healthz/",
            "/api",
            "/api/v1/sites/acme",
            "/api/v1/sites/acme/nope",
            "/api/v2/sites/acme/config",
        ] {
            assert!(
                matches!(Route::parse(path), Err(ApiError::NotFound)),
                "{path}"
            );
        }
        assert!(matches!(
            Route::parse("/api/v1/sites/ACME/config"),
            Err(ApiError::SiteNotFound)
        ));
        assert!(matches!(
            Route::parse("/api/v1/sites/acme/tickets/TKT-1"),
            Err(ApiError::NotFound)
        ));
    }
}
