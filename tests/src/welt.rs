//! The one test fixture of the procedure: a tenant with the people a Bauantrag meets — an
//! architect, a case worker, an administrator, Stellen with their members — and a second
//! tenant whose people must never see anything of the first; plus cases put into a state
//! through the store (as the steps before it would have left them), so a test of one step
//! does not depend on the pages of the steps before.
//!
//! ```text
//! let w = Welt::neu().await;                       // kreis-a with its people, kreis-b
//! let s = w.stelle("Brandschutzdienststelle", "brandschutz@example.org", None).await;
//! let f = w.fall(Fallangaben::nummer(1)).eingereicht().await;
//! let (c, csrf) = w.app.login(welt::BAUAUFSICHT).await;
//! ```

use crate::{TestApp, spawn_app};
use bytes::Bytes;
use plankammer_domain::Role;
use plankammer_domain::aktenzeichen::Aktenzeichen;
use plankammer_domain::anlageart::Anlageart;
use plankammer_domain::antrag::{Angaben, AngabenEingabe};
use plankammer_domain::verfahren::Verfahrensart;
use plankammer_domain::vorgang::Zustand;
use plankammer_storage::Db;
use plankammer_storage::dokumente::NeueVersion;
use plankammer_storage::now_millis;
use plankammer_verfahren::verwaltung::{NeuesKonto, StelleEingabe};
use plankammer_verfahren::{Akteur, Betreiber};

/// The architect (applicant) of the first tenant.
pub const ARCHITEKTIN: &str = "architektin@example.org";
/// The case worker of the first tenant.
pub const BAUAUFSICHT: &str = "sachbearbeiter@example.org";
/// The administration of the first tenant.
pub const ADMIN: &str = "admin@example.org";
/// A case worker of the second tenant: must never see anything of the first.
pub const FREMD: &str = "fremd@example.org";

/// Complete Angaben of a case (all persons and places invented).
pub fn angaben(verfahren: Verfahrensart, ags: &str, bezeichnung: &str) -> AngabenEingabe {
    AngabenEingabe {
        verfahren: verfahren.slug().into(),
        bezeichnung: bezeichnung.into(),
        massnahme: "11".into(),
        gebaeudeklasse: "1".into(),
        strasse: "Lindenweg".into(),
        hausnummer: "12".into(),
        plz: "34117".into(),
        ort: "Kassel".into(),
        gemeinde: ags.into(),
        gemarkung: "Musterhausen".into(),
        flur: "7".into(),
        flurstuecke: "123/4".into(),
        bh_name: "Jana Becker".into(),
        bh_anschrift: "Goethestraße 41, 34119 Kassel".into(),
        bh_email: String::new(),
        ev_name: "Anna Architektin".into(),
        ev_kammer: "Architekten- und Stadtplanerkammer Hessen".into(),
        ev_nummer: "12345".into(),
    }
}

/// The first tenant, its people, and the second tenant.
pub struct Welt {
    pub app: TestApp,
    /// The first tenant (`kreis-a`).
    pub tenant: i64,
    pub architektin: i64,
    pub bauaufsicht: i64,
    pub admin: i64,
    /// The second tenant (`kreis-b`) with its case worker [`FREMD`].
    pub fremder_tenant: i64,
}

/// A Stelle of the first tenant with one member.
#[derive(Debug, Clone, Copy)]
pub struct Stelle {
    pub id: i64,
    pub mitglied: i64,
}

/// Where the audit log and the outbox stood: the fixture's people, tenants and Stellen are
/// made by the operator's steps, which audit and mail; a test that counts what its own steps
/// audit or mail looks only past the mark taken after its fixture ([`Welt::marke`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Marke {
    /// The last audit entry so far (0: none).
    pub audit_id: i64,
    /// The last queued mail so far (0: none).
    pub outbox_id: i64,
}

/// A case put into a state.
#[derive(Debug, Clone, Copy)]
pub struct Fall {
    pub id: i64,
    /// Its one plan.
    pub dokument_id: i64,
    pub version_id: i64,
}

/// What a case is made of.
#[derive(Debug, Clone)]
pub struct Fallangaben {
    /// Gives the name ("Neubau Einfamilienhaus {nr}") and the Aktenzeichen (`BA-2026-{nr:05}`).
    pub nummer: i64,
    pub verfahren: Verfahrensart,
    pub gemeinde_ags: String,
    /// The plan's bytes; default: a two-page A4 PDF unique to the case.
    pub plan: Option<Vec<u8>>,
}

impl Fallangaben {
    pub fn nummer(nummer: i64) -> Fallangaben {
        Fallangaben {
            nummer,
            verfahren: Verfahrensart::VereinfachtesVerfahren,
            gemeinde_ags: "06412000".into(),
            plan: None,
        }
    }

    pub fn verfahren(mut self, v: Verfahrensart) -> Fallangaben {
        self.verfahren = v;
        self
    }

    pub fn gemeinde(mut self, ags: &str) -> Fallangaben {
        self.gemeinde_ags = ags.into();
        self
    }

    pub fn plan(mut self, pdf: Vec<u8>) -> Fallangaben {
        self.plan = Some(pdf);
        self
    }
}

/// A case being built: [`FallBau::entwurf`] or [`FallBau::eingereicht`] (and the further
/// states through the store).
pub struct FallBau<'w> {
    welt: &'w Welt,
    angaben: Fallangaben,
}

impl Welt {
    /// `kreis-a` with [`ARCHITEKTIN`], [`BAUAUFSICHT`] and [`ADMIN`]; `kreis-b` with [`FREMD`].
    pub async fn neu() -> Welt {
        Welt::mit(spawn_app().await).await
    }

    /// The same people in an application started by the caller (other limits, say).
    pub async fn mit(app: TestApp) -> Welt {
        let tenant = app.tenant("kreis-a").await;
        let architektin = app.user(tenant, ARCHITEKTIN, Role::Antragsteller).await;
        let bauaufsicht = app.user(tenant, BAUAUFSICHT, Role::Bauaufsicht).await;
        let admin = app.user(tenant, ADMIN, Role::Admin).await;
        let fremder_tenant = app.tenant("kreis-b").await;
        app.user(fremder_tenant, FREMD, Role::Bauaufsicht).await;
        Welt {
            app,
            tenant,
            architektin,
            bauaufsicht,
            admin,
            fremder_tenant,
        }
    }

    /// Another person of the first tenant.
    pub async fn person(&self, email: &str, role: Role) -> i64 {
        self.app.user(self.tenant, email, role).await
    }

    /// A Stelle of the first tenant (of a Gemeinde when `gemeinde_ags` is given) with a new
    /// Fachstelle account `email` as its member.
    pub async fn stelle(&self, name: &str, email: &str, gemeinde_ags: Option<&str>) -> Stelle {
        let id = self
            .app
            .db
            .lege_stelle_an(Some(self.tenant), name, name, gemeinde_ags, now_millis())
            .await
            .expect("create Stelle");
        let mitglied = self.person(email, Role::Fachstelle).await;
        self.app
            .db
            .fuege_stellenmitglied_hinzu(id, mitglied)
            .await
            .expect("member of the Stelle");
        Stelle { id, mitglied }
    }

    /// The person behind an account of the first tenant, as the steps take it.
    pub async fn akteur(&self, email: &str) -> Akteur {
        let e = plankammer_domain::Email::parse(email).expect("email");
        let u = self.app.db.user_by_email(&e).await.expect("user");
        let m = match self.app.db.member(u.id, self.tenant).await {
            Ok(m) => m,
            Err(_) => self
                .app
                .db
                .member(u.id, self.fremder_tenant)
                .await
                .expect("member of a tenant"),
        };
        Akteur::aus(&m)
    }

    /// Another tenant with a name of the test's choosing, made by the operator's step
    /// (`plankammer tenant add`; audited).
    pub async fn behoerde(&self, slug: &str, name: &str) -> i64 {
        let id = self
            .app
            .verfahren
            .tenant_anlegen(&Betreiber::an_der_konsole(), slug, name)
            .await
            .expect("create tenant")
            .id;
        self.app
            .db
            .zweiter_faktor_pflicht_jetzt(id, false)
            .await
            .expect("second factor off");
        id
    }

    /// An account with a name of the test's choosing in any tenant, made by the operator's
    /// step (audited, the person is mailed); the person as the steps take it.
    pub async fn konto(&self, tenant: i64, email: &str, name: &str, role: Role) -> Akteur {
        let neu = NeuesKonto {
            email,
            name,
            passwort: crate::PASSWORD,
            rolle: role,
        };
        let id = self
            .app
            .verfahren
            .konto_anlegen_als_betreiber(&Betreiber::an_der_konsole(), tenant, &neu)
            .await
            .expect("create account");
        Akteur::aus(&self.app.db.member(id, tenant).await.expect("member"))
    }

    /// A Stelle of `tenant`, or a Land-wide one (`None`), made by the operator's step; no
    /// members yet ([`Welt::mitglied`]). `gemeinde_ags` makes it a Gemeinde's Stelle.
    pub async fn stelle_von(
        &self,
        tenant: Option<i64>,
        name: &str,
        rechtsbereich: &str,
        gemeinde_ags: Option<&str>,
    ) -> i64 {
        let eingabe = StelleEingabe {
            name: name.into(),
            rechtsbereich: rechtsbereich.into(),
            gemeinde: gemeinde_ags.unwrap_or_default().into(),
        };
        self.app
            .verfahren
            .stelle_anlegen_als_betreiber(&Betreiber::an_der_konsole(), tenant, &eingabe)
            .await
            .expect("create Stelle")
    }

    /// Makes the Fachstelle account `email` a member of a Stelle, as the operator does.
    pub async fn mitglied(&self, stelle_id: i64, email: &str) {
        self.app
            .verfahren
            .mitglied_hinzufuegen_als_betreiber(&Betreiber::an_der_konsole(), stelle_id, email)
            .await
            .expect("member of the Stelle");
    }

    /// Where the audit log and the outbox stand now.
    pub async fn marke(&self) -> Marke {
        let (audit_id, outbox_id): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM audit_log), \
                    (SELECT COALESCE(MAX(id), 0) FROM outbox)",
        )
        .fetch_one(self.app.db.pool())
        .await
        .expect("mark");
        Marke {
            audit_id,
            outbox_id,
        }
    }

    /// A case of the architect.
    pub fn fall(&self, angaben: Fallangaben) -> FallBau<'_> {
        FallBau {
            welt: self,
            angaben,
        }
    }
}

impl FallBau<'_> {
    /// A draft with its Angaben and its one plan (a Grundriss, Anlageart 2001).
    pub async fn entwurf(self) -> Fall {
        let w = self.welt;
        let f = &self.angaben;
        let now = now_millis();
        let bez = format!("Neubau Einfamilienhaus {}", f.nummer);
        let g = angaben(f.verfahren, &f.gemeinde_ags, &bez)
            .pruefe()
            .expect("the fixture's Angaben are valid");
        let v = w
            .app
            .db
            .create_vorgang(w.tenant, w.architektin, &bez, now)
            .await
            .expect("case");
        let pdf = f
            .plan
            .clone()
            .unwrap_or_else(|| crate::pdf::a4_salted(2, &format!("fall-{}", f.nummer)));
        let blob = w
            .app
            .blobs
            .put_bytes(Bytes::from(pdf))
            .await
            .expect("store plan");
        let mut tx = w.app.db.begin().await.expect("tx");
        Db::setze_angaben(&mut tx, v.id, &bez, g.verfahren, &g.angaben, now)
            .await
            .expect("Angaben");
        let grundrisse = Anlageart::parse("2001").expect("code");
        let ver = Db::add_version(
            &mut tx,
            &NeueVersion {
                vorgang_id: v.id,
                tenant_id: w.tenant,
                dokument_id: None,
                bezeichnung: "Grundrisse Erdgeschoss",
                anlageart: Some(&grundrisse),
                sha256: &blob.sha256,
                groesse: blob.size as i64,
                dateiname: "grundriss_eg.pdf",
                user_id: w.architektin,
            },
            now,
        )
        .await
        .expect("version");
        tx.commit().await.expect("commit");
        Fall {
            id: v.id,
            dokument_id: ver.dokument_id,
            version_id: ver.id,
        }
    }

    /// As submitted: state "eingegangen" (14), Aktenzeichen `BA-2026-{nr:05}`, Fassung 1.
    pub async fn eingereicht(self) -> Fall {
        let w = self.welt;
        let nummer = self.angaben.nummer;
        let fall = self.entwurf().await;
        let now = now_millis();
        let mut tx = w.app.db.begin().await.expect("tx");
        Db::wechsle_zustand(
            &mut tx,
            fall.id,
            Zustand::Entwurf,
            Zustand::Eingegangen,
            now,
        )
        .await
        .expect("submitted");
        let az = Aktenzeichen::parse(&format!("BA-2026-{nummer:05}")).expect("Aktenzeichen");
        Db::setze_eingereicht(&mut tx, fall.id, &az, now)
            .await
            .expect("Aktenzeichen");
        Db::friere_fassung(&mut tx, fall.id, w.architektin, now)
            .await
            .expect("Fassung 1");
        tx.commit().await.expect("commit");
        fall
    }
}

/// The stored Angaben of a case, for assertions.
pub async fn gespeicherte_angaben(app: &TestApp, vorgang_id: i64) -> Option<Angaben> {
    app.db.antrag(vorgang_id).await.expect("case").angaben
}

/// What a worker leaves behind once every stage of every version of the case is done: a
/// version that has no stage yet gets its first, then every stage's job has succeeded.
pub async fn pipeline_fertig(app: &TestApp, vorgang_id: i64) {
    let tenant: i64 = sqlx::query_scalar("SELECT tenant_id FROM vorgaenge WHERE id = $1")
        .bind(vorgang_id)
        .fetch_one(app.db.pool())
        .await
        .expect("the case");
    let versionen: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM dokument_versionen WHERE vorgang_id = $1")
            .bind(vorgang_id)
            .fetch_all(app.db.pool())
            .await
            .expect("its versions");
    for v in versionen {
        if app.db.stufen(v).await.expect("stages").is_empty() {
            let mut tx = app.db.begin().await.expect("tx");
            Db::enqueue_stufe(&mut tx, v, tenant, "validate", now_millis())
                .await
                .expect("stage");
            tx.commit().await.expect("commit");
        }
    }
    sqlx::query(
        "UPDATE jobs SET state = 'succeeded', progress = 100 WHERE id IN (SELECT job_id FROM dokument_stufen \
         WHERE version_id IN (SELECT id FROM dokument_versionen WHERE vorgang_id = $1))",
    )
    .bind(vorgang_id)
    .execute(app.db.pool())
    .await
    .expect("jobs done");
}
