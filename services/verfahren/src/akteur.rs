//! Who acts: a person signed in as member of one tenant with one role, or the operator at
//! the command line. (The clock acts too: the steps of [`crate::fristen`] take no actor.)

use plankammer_domain::Role;
use plankammer_domain::vertrauensniveau::Vertrauensniveau;
use plankammer_domain::zugriff;
use plankammer_storage::accounts::Member;

/// A signed-in person, as member of one tenant, in the role they have there. The adapters
/// make one from the session or the access token; everything else only reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Akteur {
    pub user_id: i64,
    pub tenant_id: i64,
    pub role: Role,
    /// The name shown in the timeline ("festgestellt von …").
    pub name: String,
    pub email: String,
    /// The tenant's name (the Behörde).
    pub behoerde: String,
    /// The trust level of the sign-in, where an OpenID provider reported one (None: a local
    /// password or an access token, no assurance of identity).
    pub niveau: Option<Vertrauensniveau>,
    /// How the person signed in (decides which other authorities they may switch to).
    pub anmeldeweg: Anmeldeweg,
}

/// How a session began.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Anmeldeweg {
    /// A local password (with the second factor where the authority requires it), an
    /// access token, or the operator.
    #[default]
    Passwort,
    /// The citizens' provider (Servicekonto, BundID): applicant memberships only.
    Servicekonto,
    /// An authority's own provider: that authority only.
    Behoerdenkonto,
}

impl Akteur {
    pub fn aus(m: &Member) -> Akteur {
        Akteur {
            user_id: m.user.id,
            tenant_id: m.tenant.id,
            role: m.role,
            name: m.user.display_name.clone(),
            email: m.user.email.clone(),
            behoerde: m.tenant.name.clone(),
            niveau: None,
            anmeldeweg: Anmeldeweg::Passwort,
        }
    }

    /// The same person, signed in this way at this trust level.
    pub fn angemeldet(mut self, weg: Anmeldeweg, niveau: Option<Vertrauensniveau>) -> Akteur {
        self.anmeldeweg = weg;
        self.niveau = niveau;
        self
    }

    /// What the domain's access rules need.
    pub fn zugriff(&self) -> zugriff::Akteur {
        zugriff::Akteur {
            user_id: self.user_id,
            tenant_id: self.tenant_id,
            role: self.role,
        }
    }

    pub fn ist(&self, role: Role) -> bool {
        self.role == role
    }
}

/// The operator of the installation, at the command line (`plankammer tenant add`, `user
/// add`, `stelle add`): whoever can run the binary there holds the database anyway. Only
/// the CLI makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Betreiber {
    _privat: (),
}

impl Betreiber {
    /// The person at the server's console.
    pub fn an_der_konsole() -> Betreiber {
        Betreiber { _privat: () }
    }
}
