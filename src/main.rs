//! `plankammer`: the one binary. It parses the command line and configuration, wires the
//! parts together, and nothing else.

mod config;
mod demo;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use config::Config;
use plankammer_api::{ApiConfig, AppState, Application};
use plankammer_domain::Role;
use plankammer_storage::blobs::BlobStore;
use plankammer_storage::jobs::{JobState, NewJob};
use plankammer_storage::{Db, now_millis};
use plankammer_verfahren::verwaltung::{Kontoaenderung, NeuesKonto, StelleEingabe};
use plankammer_verfahren::{Betreiber, Fehler, Verfahren};
use plankammer_workers::mail::{MailSender, Mailer, SenderConfig};
use plankammer_workers::{Registry, Worker, WorkerConfig, builtin};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "plankammer",
    version,
    about = "Plankammer – digitale Baugenehmigung. Ohne Unterbefehl: Server und Worker zusammen."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Only the web server (scaled out: any number behind a load balancer).
    Serve,
    /// Only the background work: jobs and mail (scaled out: any number of workers).
    Worker,
    /// Apply database migrations and exit.
    Migrate,
    /// Load demo data (one tenant, one account per role), print the logins, and run.
    Demo {
        /// Only load the demo data, then exit.
        #[arg(long)]
        nur_daten: bool,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage the Stellen of the Beteiligung, e.g. Land-wide ones every tenant may ask.
    Stelle {
        #[command(subcommand)]
        command: StelleCommand,
    },
    /// Manage tenants (Bauaufsichtsbehörden).
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Look at and steer background jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Check plan files offline, as the server would, and print one JSON object per file.
    /// Needs no server and no database; a rejected or broken file is a normal result.
    Inspect {
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Deadline calculator (§§ 187-193 BGB, § 31 HVwVfG, Hessen holidays): prints the end
    /// date as YYYY-MM-DD on the first line and the explanation below.
    /// Example: `plankammer frist 2026-03-31 1M` (also `14T` days, `2W` weeks). START is
    /// the day of the triggering event, which is not counted (§ 187 Abs. 1 BGB).
    Frist {
        /// Day of the event (YYYY-MM-DD or DD.MM.YYYY).
        start: String,
        /// Duration: 14T, 2W, 1M, 3M …
        dauer: String,
    },
    /// XBau 2.6 messages.
    Xbau {
        #[command(subcommand)]
        command: XbauCommand,
    },
    /// Internal: the sandboxed child that reads one untrusted file from standard input.
    #[command(hide = true)]
    Sandbox {
        #[command(subcommand)]
        aufgabe: SandboxCommand,
    },
}

#[derive(Subcommand)]
enum XbauCommand {
    /// Check messages offline against the shipped XBau 2.6 / Kernmodul 1.3.0 schemas: one
    /// line per file (`gültig: <message>` or its findings with XBau error codes). Exit code
    /// 1 when any file is not valid.
    Pruefen {
        /// Write a refusal (`prozessnachrichten.rueckweisung.G2G.1100`, itself validated)
        /// for each message that is not valid into this folder, as `<file>.1100.xml`.
        #[arg(long)]
        antworten: Option<std::path::PathBuf>,
        #[arg(required = true)]
        dateien: Vec<std::path::PathBuf>,
    },
    /// Write the XBau messages of a case (1120, 1121, one 1170 per change of state), each
    /// validated, into a folder as NN_<message>.xml.
    Export {
        #[arg(long)]
        vorgang: i64,
        #[arg(long)]
        ordner: std::path::PathBuf,
    },
    /// Register a partner system of an authority: an application portal (`portal`) or a
    /// Fachstelle's own system (`stelle`), by its DVDV identifier. Prints its secret once
    /// (for `Authorization: Bearer` on /api/v1/xbau).
    Partner {
        #[arg(long)]
        tenant: String,
        #[arg(long, value_parser = ["portal", "stelle"])]
        art: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        kennung: String,
        /// For a Fachstelle's system: the id of the Stelle it answers for.
        #[arg(long)]
        stelle: Option<i64>,
    },
    /// Take a message and the files beside it in, through the same path as the HTTP
    /// exchange (validation, Plankammer's minimum, hashes, the procedure step). The answer
    /// (1180 or 1100) goes into the partner's outbox. Exit code 1 when refused.
    Import {
        #[arg(long)]
        tenant: String,
        /// The sending partner's DVDV identifier (default: the message's author).
        #[arg(long)]
        partner: Option<String>,
        nachricht: std::path::PathBuf,
        dateien: Vec<std::path::PathBuf>,
    },
    /// The folder adapter: messages `<name>.xml` in the inbox with their files in `<name>/`;
    /// outgoing messages written to the outbox as `<uuid>.xml` with files in `<uuid>/`.
    Ordner {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        partner: String,
        #[arg(long)]
        eingang: std::path::PathBuf,
        #[arg(long)]
        ausgang: std::path::PathBuf,
        /// One round, then exit (otherwise one round every `--sekunden`).
        #[arg(long)]
        einmal: bool,
        #[arg(long, default_value_t = 5)]
        sekunden: u64,
    },
}

#[derive(Subcommand)]
enum SandboxCommand {
    /// Validate a PDF; answer with the Pruefergebnis as JSON.
    Pruefen {
        #[arg(long)]
        grenzen: String,
    },
    /// Read the text of a PDF (text layer, OCR of scans); answer with the Leseergebnis.
    Lesen {
        #[arg(long)]
        grenzen: String,
    },
    /// Validate, then read when readable, in one child; answer with the Untersuchung
    /// (`plankammer inspect`).
    Untersuchen {
        #[arg(long)]
        grenzen: String,
        #[arg(long)]
        lese: String,
    },
    /// Render thumbnails and the large preview; answer with the Vorschauergebnis.
    Vorschau {
        #[arg(long)]
        grenzen: String,
    },
    /// Stamp an approved plan; answer with the stamped PDF (raw bytes).
    Stempeln {
        #[arg(long)]
        auftrag: String,
    },
    /// Confine this child, then try what confinement must refuse (open FILE, write a file,
    /// make a socket, start a program); answer with what worked, as JSON.
    Selbsttest {
        #[arg(long, default_value = "/etc/hostname")]
        datei: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account in a tenant. The password comes from PLANKAMMER_PASSWORD or stdin.
    Add {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// antragsteller, bauaufsicht, fachstelle or admin
        #[arg(long)]
        role: String,
    },
    /// Deactivate a person in a tenant: their sessions and tokens there end at once.
    Sperren {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    /// Reactivate a person in a tenant.
    Entsperren {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    /// Change a person's role in a tenant.
    Rolle {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        /// antragsteller, bauaufsicht, fachstelle or admin
        #[arg(long)]
        role: String,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant.
    Add {
        /// Short name for URLs and commands, e.g. bauaufsicht-kassel
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
    },
    /// List tenants.
    List,
    /// Register the authority's identifier in the DVDV, the author of its XBau messages.
    XbauKennung {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        kennung: String,
    },
}

#[derive(Subcommand)]
enum StelleCommand {
    /// Create a Stelle: a tenant's own (--tenant) or a Land-wide one (without --tenant).
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        rechtsbereich: String,
        /// The tenant whose own Stelle it is; without it every tenant may ask the Stelle.
        #[arg(long)]
        tenant: Option<String>,
        /// The AGS of the Gemeinde this Stelle is (for its Einvernehmen, § 36 BauGB).
        #[arg(long)]
        gemeinde: Option<String>,
    },
    /// Make an account (with the Fachstelle role) a member of a Stelle.
    Mitglied {
        #[arg(long)]
        stelle: i64,
        #[arg(long)]
        email: String,
    },
    /// List the Stellen with their members' count.
    List,
}

#[derive(Subcommand)]
enum JobsCommand {
    /// The newest jobs of the installation.
    List {
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Enqueue a diagnostic job that waits MS milliseconds, to see that workers run.
    Probe {
        #[arg(long, default_value_t = 1000)]
        ms: u64,
    },
    /// Give a failed job three more attempts.
    Retry { id: i64 },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The sandbox child needs no configuration, runtime or logging of its own.
    if let Some(Command::Sandbox { aufgabe }) = &cli.command {
        return sandbox_child(aufgabe);
    }
    // Neither does the deadline calculator: it is pure computation.
    if let Some(Command::Frist { start, dauer }) = &cli.command {
        return match plankammer_domain::frist::cli(start, dauer) {
            Ok(text) => {
                println!("{text}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("Fehler: {e}");
                std::process::ExitCode::from(2)
            }
        };
    }
    // Checking XBau messages is offline work too.
    if let Some(Command::Xbau {
        command: XbauCommand::Pruefen { dateien, antworten },
    }) = &cli.command
    {
        return xbau_pruefen(dateien, antworten.as_deref());
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Konfigurationsfehler – {e}");
            return std::process::ExitCode::from(2);
        }
    };
    init_tracing(config.log_json);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli, config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Fehler: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!(
            "info,{}=warn,tower_http=warn",
            plankammer_storage::LOG_ZIEL_DATENBANK
        ))
    });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn run(cli: Cli, config: Config) -> Result<()> {
    match cli.command {
        None => {
            let db = connect(&config).await?;
            db.migrate().await.context("migrating the database")?;
            run_services(&config, db, true, true).await
        }
        Some(Command::Serve) => {
            let db = connect(&config).await?;
            run_services(&config, db, true, false).await
        }
        Some(Command::Worker) => {
            let db = connect(&config).await?;
            run_services(&config, db, false, true).await
        }
        Some(Command::Migrate) => {
            let db = connect(&config).await?;
            db.migrate().await.context("migrating the database")?;
            println!(
                "Datenbank ist auf dem neuesten Stand ({}).",
                db.backend().name()
            );
            Ok(())
        }
        Some(Command::Demo { nur_daten }) => {
            let db = connect(&config).await?;
            db.migrate().await.context("migrating the database")?;
            demo::load_demo(&db, &config).await?;
            if nur_daten {
                return Ok(());
            }
            run_services(&config, db, true, true).await
        }
        Some(Command::User {
            command:
                UserCommand::Add {
                    tenant,
                    email,
                    name,
                    role,
                },
        }) => {
            let db = connect(&config).await?;
            let role = Role::from_code(&role).with_context(|| {
                format!(
                    "unknown role {role:?}: use antragsteller, bauaufsicht, fachstelle or admin"
                )
            })?;
            let tenant = db
                .tenant_by_slug(&tenant)
                .await
                .with_context(|| format!("tenant {tenant:?}"))?;
            let password = read_password()?;
            let neu = NeuesKonto {
                email: &email,
                name: &name,
                passwort: &password,
                rolle: role,
            };
            let id = verfahren(&config, &db)?
                .konto_anlegen_als_betreiber(&Betreiber::an_der_konsole(), tenant.id, &neu)
                .await
                .map_err(fehler)?;
            println!(
                "Konto {id} angelegt ({} in {}).",
                role.bezeichnung(),
                tenant.name
            );
            Ok(())
        }
        Some(Command::User { command }) => {
            let db = connect(&config).await?;
            let (tenant, email, aenderung, text) = match command {
                UserCommand::Sperren { tenant, email } => {
                    (tenant, email, Kontoaenderung::Sperren, "gesperrt")
                }
                UserCommand::Entsperren { tenant, email } => {
                    (tenant, email, Kontoaenderung::Entsperren, "entsperrt")
                }
                UserCommand::Rolle {
                    tenant,
                    email,
                    role,
                } => {
                    let role = Role::from_code(&role).with_context(|| {
                        format!(
                            "unknown role {role:?}: use antragsteller, bauaufsicht, fachstelle or admin"
                        )
                    })?;
                    (tenant, email, Kontoaenderung::Rolle(role), "Rolle geändert")
                }
                UserCommand::Add { .. } => unreachable!("matched above"),
            };
            let tenant = db
                .tenant_by_slug(&tenant)
                .await
                .with_context(|| format!("tenant {tenant:?}"))?;
            let email =
                plankammer_domain::Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let user = db
                .user_by_email(&email)
                .await
                .with_context(|| format!("Kein Konto mit der Adresse {email}"))?;
            verfahren(&config, &db)?
                .konto_aendern_als_betreiber(
                    &Betreiber::an_der_konsole(),
                    tenant.id,
                    user.id,
                    aenderung,
                )
                .await
                .map_err(fehler)?;
            println!("Konto {}: {text} ({}).", user.id, tenant.name);
            Ok(())
        }
        Some(Command::Tenant {
            command: TenantCommand::Add { slug, name },
        }) => {
            let db = connect(&config).await?;
            let t = verfahren(&config, &db)?
                .tenant_anlegen(&Betreiber::an_der_konsole(), &slug, &name)
                .await
                .map_err(fehler)?;
            println!("Behörde {} angelegt: {} ({})", t.id, t.name, t.slug);
            Ok(())
        }
        Some(Command::Tenant {
            command: TenantCommand::List,
        }) => {
            let db = connect(&config).await?;
            for t in db.tenants().await? {
                println!("{}\t{}\t{}", t.id, t.slug, t.name);
            }
            Ok(())
        }
        Some(Command::Tenant {
            command: TenantCommand::XbauKennung { slug, kennung },
        }) => {
            let db = connect(&config).await?;
            verfahren(&config, &db)?
                .xbau_kennung_setzen(&Betreiber::an_der_konsole(), &slug, &kennung)
                .await
                .map_err(fehler)?;
            println!("Kennung im DVDV für {slug}: {kennung}");
            Ok(())
        }
        Some(Command::Stelle { command }) => stelle_command(&config, command).await,
        Some(Command::Jobs { command }) => jobs_command(&config, command).await,
        Some(Command::Inspect { files }) => inspect(&config, files).await,
        Some(Command::Xbau {
            command: XbauCommand::Export { vorgang, ordner },
        }) => {
            let db = connect(&config).await?;
            let nachrichten = verfahren(&config, &db)?
                .xbau_nachrichten(&Betreiber::an_der_konsole(), vorgang)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            // Never mixed with an earlier export: the folder must be new or empty.
            if std::fs::read_dir(&ordner).is_ok_and(|mut d| d.next().is_some()) {
                bail!(
                    "Der Ordner {} ist nicht leer; bitte einen neuen oder leeren Ordner angeben.",
                    ordner.display()
                );
            }
            std::fs::create_dir_all(&ordner)
                .with_context(|| format!("creating {}", ordner.display()))?;
            for (i, n) in nachrichten.iter().enumerate() {
                let datei = ordner.join(format!("{:02}_{}.xml", i + 1, n.name));
                std::fs::write(&datei, &n.xml)
                    .with_context(|| format!("writing {}", datei.display()))?;
                println!("{}", datei.display());
            }
            println!("{} Nachrichten, alle gültig.", nachrichten.len());
            Ok(())
        }
        Some(Command::Xbau {
            command:
                XbauCommand::Partner {
                    tenant,
                    art,
                    name,
                    kennung,
                    stelle,
                },
        }) => {
            let db = connect(&config).await?;
            let art = plankammer_storage::xbau::PartnerArt::from_code(&art)
                .context("--art portal|stelle")?;
            let (p, secret) = verfahren(&config, &db)?
                .xbau_partner_anlegen_betreiber(
                    &Betreiber::an_der_konsole(),
                    &tenant,
                    art,
                    &name,
                    &kennung,
                    stelle,
                )
                .await
                .map_err(fehler)?;
            println!(
                "Partnersystem {} eingetragen: {} ({})",
                p.id, p.name, p.kennung
            );
            println!("Zugangsschlüssel (wird nur jetzt angezeigt): {secret}");
            Ok(())
        }
        Some(Command::Xbau {
            command:
                XbauCommand::Import {
                    tenant,
                    partner,
                    nachricht,
                    dateien,
                },
        }) => {
            use plankammer_verfahren::xbau_austausch::{
                EingehendeNachricht, Empfang, beilage_von_datei,
            };
            let db = connect(&config).await?;
            let v = verfahren(&config, &db)?;
            let xml = {
                use std::io::Read;
                let f = std::fs::File::open(&nachricht)
                    .with_context(|| format!("opening {}", nachricht.display()))?;
                let mut b = Vec::new();
                f.take(plankammer_xbau::pruefung::MAX_NACHRICHT as u64 + 1)
                    .read_to_end(&mut b)?;
                b
            };
            let kennung = match partner {
                Some(k) => k,
                None => plankammer_xbau::eingang::kopf_lesen(&xml)
                    .ok()
                    .and_then(|k| k.autor)
                    .map(|a| a.kennung)
                    .context("Die Nachricht nennt keinen Autor; bitte --partner angeben.")?,
            };
            let p = v
                .xbau_partner_des_tenants(&Betreiber::an_der_konsole(), &tenant, &kennung)
                .await
                .map_err(fehler)?;
            let mut beilagen = Vec::new();
            for d in &dateien {
                beilagen.push(
                    beilage_von_datei(d)
                        .await
                        .with_context(|| format!("reading {}", d.display()))?,
                );
            }
            match v
                .xbau_empfangen(
                    &p,
                    EingehendeNachricht { xml, beilagen },
                    hochladegrenzen(&config),
                )
                .await
                .map_err(fehler)?
            {
                Empfang::Angenommen {
                    uuid, aktenzeichen, ..
                } => {
                    println!(
                        "angenommen: {uuid}{}",
                        aktenzeichen
                            .map(|a| format!(", Aktenzeichen {a}"))
                            .unwrap_or_default()
                    );
                    Ok(())
                }
                Empfang::Zurueckgewiesen { gruende, .. } => {
                    for (code, text) in &gruende {
                        println!("{code}: {text}");
                    }
                    bail!("Die Nachricht wurde zurückgewiesen (Rückweisung 1100 im Postausgang).")
                }
            }
        }
        Some(Command::Xbau {
            command:
                XbauCommand::Ordner {
                    tenant,
                    partner,
                    eingang,
                    ausgang,
                    einmal,
                    sekunden,
                },
        }) => {
            use plankammer_verfahren::xbau_austausch::Ordnerpostweg;
            let db = connect(&config).await?;
            let v = verfahren(&config, &db)?;
            let p = v
                .xbau_partner_des_tenants(&Betreiber::an_der_konsole(), &tenant, &partner)
                .await
                .map_err(fehler)?;
            for o in [&eingang, &ausgang] {
                std::fs::create_dir_all(o).with_context(|| format!("creating {}", o.display()))?;
            }
            let weg = Ordnerpostweg { eingang, ausgang };
            loop {
                let r = v
                    .xbau_postweg(&p, &weg, hochladegrenzen(&config))
                    .await
                    .map_err(fehler)?;
                if einmal || r != Default::default() {
                    println!(
                        "angenommen: {}, zurückgewiesen: {}, zugestellt: {}",
                        r.angenommen, r.zurueckgewiesen, r.zugestellt
                    );
                }
                if einmal {
                    return Ok(());
                }
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(sekunden.max(1))) => {}
                    _ = tokio::signal::ctrl_c() => return Ok(()),
                }
            }
        }
        Some(Command::Sandbox { .. } | Command::Frist { .. } | Command::Xbau { .. }) => {
            unreachable!("handled before start-up")
        }
    }
}

/// `plankammer xbau pruefen`: every file checked, every finding printed.
fn xbau_pruefen(
    dateien: &[std::path::PathBuf],
    antworten: Option<&std::path::Path>,
) -> std::process::ExitCode {
    let mut alle_gueltig = true;
    for d in dateien {
        let name = d.display();
        // Read at most one byte more than a message may have: the check names the size.
        let inhalt = match std::fs::File::open(d).and_then(|f| {
            use std::io::Read;
            let mut v = Vec::new();
            f.take(plankammer_xbau::pruefung::MAX_NACHRICHT as u64 + 1)
                .read_to_end(&mut v)?;
            Ok(v)
        }) {
            Ok(v) => v,
            Err(e) => {
                println!("{name}: nicht lesbar ({e})");
                alle_gueltig = false;
                continue;
            }
        };
        match plankammer_xbau::pruefen(&inhalt) {
            Ok(g) => println!("{name}: gültig: {}", g.nachricht),
            Err(befunde) => {
                alle_gueltig = false;
                println!("{name}: ungültig");
                for b in &befunde {
                    println!("  {b}");
                }
                if let Some(ordner) = antworten {
                    match xbau_rueckweisung(d, &inhalt, &befunde, ordner) {
                        Ok(p) => println!("  Rückweisung: {}", p.display()),
                        Err(e) => println!("  Rückweisung nicht geschrieben: {e}"),
                    }
                }
            }
        }
    }
    if alle_gueltig {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}

/// The refusal of one message, validated like every outgoing message.
fn xbau_rueckweisung(
    datei: &std::path::Path,
    inhalt: &[u8],
    befunde: &[plankammer_xbau::Befund],
    ordner: &std::path::Path,
) -> Result<std::path::PathBuf> {
    use plankammer_xbau::nachrichten::{Behoerde, Kopf, Rueckweisung, neue_uuid, rueckweisung};
    let behoerde = |k: &str, n: &str| Behoerde {
        verzeichnisdienst: "DVDV".into(),
        kennung: k.into(),
        name: n.into(),
    };
    let xml = rueckweisung(&Rueckweisung {
        kopf: Kopf {
            uuid: neue_uuid(),
            erstellt: chrono::Utc::now(),
            autor: behoerde("plankammer", "Plankammer"),
            leser: behoerde("absender", "Absender der Nachricht"),
        },
        gruende: befunde
            .iter()
            .map(|b| (b.kennzahl.code().to_string(), b.to_string()))
            .collect(),
        nachricht: Some(inhalt.to_vec()),
    });
    let xml = plankammer_xbau::ausgehend("1100", xml)?;
    std::fs::create_dir_all(ordner)?;
    let name = datei
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "nachricht".into());
    let ziel = ordner.join(format!("{name}.1100.xml"));
    std::fs::write(&ziel, xml)?;
    Ok(ziel)
}

fn sandbox_child(aufgabe: &SandboxCommand) -> std::process::ExitCode {
    use plankammer_workers::pdf;
    // Before the untrusted file is read: as little as possible of the machine stays in reach.
    let einschluss = plankammer_workers::einschluss::einschliessen();
    match aufgabe {
        SandboxCommand::Selbsttest { datei } => {
            let befund = plankammer_workers::einschluss::selbsttest(einschluss, datei);
            match serde_json::to_writer(std::io::stdout().lock(), &befund) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(_) => std::process::ExitCode::FAILURE,
            }
        }
        SandboxCommand::Pruefen { grenzen } => {
            child_task(grenzen, |b, g: &pdf::Grenzen| pdf::pruefe(b, g))
        }
        SandboxCommand::Lesen { grenzen } => {
            child_task(grenzen, |b, g: &pdf::lesen::LeseGrenzen| {
                pdf::lesen::lese(b, g)
            })
        }
        SandboxCommand::Untersuchen { grenzen, lese } => {
            let Ok(lese) = serde_json::from_str::<pdf::lesen::LeseGrenzen>(lese) else {
                eprintln!("sandbox: invalid --lese");
                return std::process::ExitCode::from(2);
            };
            child_task(grenzen, |b, g: &pdf::Grenzen| pdf::untersuche(b, g, &lese))
        }
        SandboxCommand::Vorschau { grenzen } => {
            child_task(grenzen, |b, g: &pdf::vorschau::VorschauGrenzen| {
                pdf::vorschau::vorschau(b, g)
            })
        }
        SandboxCommand::Stempeln { auftrag } => pdf::stempel::sandbox_aufgabe(auftrag),
    }
}

/// One sandboxed task: limits from the command line, the file from standard input, the
/// result as JSON on standard output.
fn child_task<G, R>(grenzen: &str, task: impl FnOnce(&[u8], &G) -> R) -> std::process::ExitCode
where
    G: serde::de::DeserializeOwned,
    R: serde::Serialize,
{
    let Ok(grenzen) = serde_json::from_str::<G>(grenzen) else {
        eprintln!("sandbox: invalid --grenzen");
        return std::process::ExitCode::from(2);
    };
    let Ok(bytes) = plankammer_workers::sandbox::read_input(u64::MAX) else {
        eprintln!("sandbox: cannot read standard input");
        return std::process::ExitCode::from(2);
    };
    match serde_json::to_writer(std::io::stdout().lock(), &task(&bytes, &grenzen)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::FAILURE,
    }
}

/// `plankammer inspect FILE…`: the validate and read stages on local files, through the
/// same sandbox as the pipeline: one confined child per file, as many side by side as there
/// are cores, the results printed in the order of the files.
async fn inspect(config: &Config, files: Vec<std::path::PathBuf>) -> Result<()> {
    use futures::StreamExt;
    use std::io::Write;
    let sandbox = sandbox_config(config)?;
    let grenzen = serde_json::to_string(&plankammer_workers::pdf::Grenzen::default())?;
    let lese = serde_json::to_string(&lese_grenzen(config))?;
    let parallel = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut missing = Vec::new();
    let ergebnisse = futures::stream::iter(files)
        .map(|path| {
            let (sandbox, grenzen, lese) = (&sandbox, grenzen.as_str(), lese.as_str());
            async move { (inspect_datei(sandbox, grenzen, lese, &path).await, path) }
        })
        .buffered(parallel);
    futures::pin_mut!(ergebnisse);
    while let Some((ergebnis, path)) = ergebnisse.next().await {
        match ergebnis? {
            Some(obj) => {
                // A reader that went away (`| head`) ends the output, not with a panic.
                if writeln!(std::io::stdout(), "{}", serde_json::to_string(&obj)?).is_err() {
                    break;
                }
            }
            None => missing.push(path),
        }
    }
    if !missing.is_empty() {
        bail!("{} Datei(en) nicht lesbar", missing.len());
    }
    Ok(())
}

/// One file of `plankammer inspect`: its report, or `None` when it cannot be read from disk.
async fn inspect_datei(
    sandbox: &plankammer_workers::sandbox::SandboxConfig,
    grenzen: &str,
    lese: &str,
    path: &std::path::Path,
) -> Result<Option<serde_json::Value>> {
    use plankammer_domain::feststellung::katalog::verarbeitung_abgebrochen;
    use plankammer_workers::pdf::Untersuchung;
    let bytes = match tokio::fs::read(&path).await {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return Ok(None);
        }
    };
    let size = bytes.len();
    // Cheap to clone (shared); only needed again when the child dies.
    let bytes = bytes::Bytes::from(bytes);
    let kopie = bytes.clone();
    let input = futures::stream::iter([Ok::<_, std::convert::Infallible>(bytes)]);
    let args = ["untersuchen", "--grenzen", grenzen, "--lese", lese];
    let mut obj = serde_json::json!({ "datei": path.display().to_string(), "groesse": size });
    let gelesen =
        match plankammer_workers::sandbox::run::<Untersuchung, _, _>(sandbox, &args, input).await {
            Ok(u) => {
                if let (Some(o), serde_json::Value::Object(r)) =
                    (obj.as_object_mut(), serde_json::to_value(&u.pruefung)?)
                {
                    o.extend(r);
                }
                u.gelesen
            }
            // The child died. If validation alone gets through, reading was what broke:
            // report the validation with the abort as a finding, as the pipeline would.
            Err(e) if e.about_the_file() => {
                let input = futures::stream::iter([Ok::<_, std::convert::Infallible>(kopie)]);
                let pruefen = ["pruefen", "--grenzen", grenzen];
                match plankammer_workers::sandbox::run::<serde_json::Value, _, _>(
                    sandbox, &pruefen, input,
                )
                .await
                {
                    Ok(serde_json::Value::Object(r)) => {
                        if let Some(o) = obj.as_object_mut() {
                            o.extend(r);
                        }
                    }
                    Ok(_) => bail!("unreadable validation result"),
                    Err(e2) if e2.about_the_file() => obj["lesbar"] = serde_json::json!(false),
                    Err(e2) => bail!("{e2}"),
                }
                let abbruch = serde_json::to_value(verarbeitung_abgebrochen(&e.grund()))?;
                match obj["feststellungen"].as_array_mut() {
                    Some(list) => list.push(abbruch),
                    None => obj["feststellungen"] = serde_json::json!([abbruch]),
                }
                None
            }
            Err(e) => bail!("{e}"),
        };
    // Readable: the text (text layer or OCR) and the plan metadata.
    if let Some(gelesen) = gelesen {
        let metadaten = gelesen.felder();
        let texte: Vec<_> = gelesen
            .seiten
            .iter()
            .map(|s| serde_json::json!({ "nummer": s.nummer, "quelle": s.quelle, "zeichen": s.text.chars().filter(|c| !c.is_whitespace()).count(), "ocr_ms": s.ocr_ms }))
            .collect();
        obj["text"] = serde_json::json!(texte);
        obj["metadaten"] = serde_json::to_value(&metadaten)?;
        if let Some(list) = obj["feststellungen"].as_array_mut() {
            list.extend(
                gelesen
                    .feststellungen
                    .iter()
                    .filter_map(|f| serde_json::to_value(f).ok()),
            );
        }
    }
    Ok(Some(obj))
}

fn lese_grenzen(config: &Config) -> plankammer_workers::pdf::lesen::LeseGrenzen {
    plankammer_workers::pdf::lesen::LeseGrenzen::mit_ocr_zeiten(
        config.tessdata.clone(),
        config.ocr_page_timeout,
        config.ocr_document_timeout,
        config.sandbox_timeout,
        std::time::Duration::from_secs(config.sandbox_cpu_secs),
    )
}

/// At a worker's start: one confined child tries what it must not do, and the log says
/// which isolation is active (a warning where the kernel offers less).
async fn sandbox_selbsttest(config: &Config) {
    use plankammer_workers::einschluss::Selbsttest;
    let Ok(cfg) = sandbox_config(config) else {
        return;
    };
    let leer = futures::stream::empty::<Result<bytes::Bytes, std::convert::Infallible>>();
    match plankammer_workers::sandbox::run::<Selbsttest, _, _>(&cfg, &["selbsttest"], leer).await {
        Ok(b)
            if b.einschluss.vollstaendig()
                && !(b.datei_gelesen || b.datei_geschrieben || b.socket || b.programm) =>
        {
            tracing::info!(isolation = %b.einschluss.beschreibung(), "sandbox isolation active");
        }
        Ok(b) => tracing::warn!(
            isolation = %b.einschluss.beschreibung(),
            reads_files = b.datei_gelesen,
            writes_files = b.datei_geschrieben,
            sockets = b.socket,
            programs = b.programm,
            problems = ?b.einschluss.fehler,
            "sandbox isolation incomplete on this kernel: only resource limits hold for what is not refused"
        ),
        Err(e) => tracing::warn!(error = %e, "sandbox self-test failed"),
    }
}

fn sandbox_config(config: &Config) -> Result<plankammer_workers::sandbox::SandboxConfig> {
    let exe =
        std::env::current_exe().context("cannot find the plankammer executable for the sandbox")?;
    let mut s = plankammer_workers::sandbox::SandboxConfig::for_program(exe);
    s.memory_bytes = config.sandbox_memory;
    s.cpu_secs = config.sandbox_cpu_secs;
    s.timeout = config.sandbox_timeout;
    s.lesbar = Some(config.tessdata.clone().into());
    Ok(s)
}

async fn jobs_command(config: &Config, command: JobsCommand) -> Result<()> {
    let db = connect(config).await?;
    match command {
        JobsCommand::List { state, limit } => {
            let state = match state {
                Some(s) => {
                    Some(JobState::from_code(&s).with_context(|| format!("unknown state {s:?}"))?)
                }
                None => None,
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&db.jobs(None, state, limit).await?)?
            );
        }
        JobsCommand::Probe { ms } => {
            let job = NewJob::new(
                builtin::WARTEN,
                serde_json::json!({ "ms": ms }),
                now_millis(),
            );
            let id = db
                .enqueue_now(&job, now_millis())
                .await?
                .context("not enqueued")?;
            println!("{id}");
        }
        JobsCommand::Retry { id } => {
            db.retry_failed_job(id, now_millis())
                .await
                .with_context(|| format!("job {id} is not a failed job"))?;
            println!("Job {id} wird erneut versucht.");
        }
    }
    Ok(())
}

fn read_password() -> Result<String> {
    if let Ok(p) = std::env::var("PLANKAMMER_PASSWORD") {
        return Ok(p);
    }
    eprintln!("Passwort (mindestens 12 Zeichen), dann Enter:");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn mail_domain(config: &Config) -> String {
    config.mail_from.email.domain().to_string()
}

async fn connect(config: &Config) -> Result<Db> {
    Db::connect(&config.database_url)
        .await
        .context("DATABASE_URL: cannot connect to the database")
}

async fn run_services(config: &Config, db: Db, serve: bool, work: bool) -> Result<()> {
    let shutdown = CancellationToken::new();
    {
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutdown requested");
            shutdown.cancel();
        });
    }
    if let Some(datei) = plankammer_storage::uhr::testuhr() {
        tracing::warn!(
            file = %datei.display(),
            "TEST CLOCK ACTIVE: time is shifted by the seconds in this file; never in production"
        );
    }
    let mut tasks = tokio::task::JoinSet::new();
    if work {
        sandbox_selbsttest(config).await;
        let mut registry = Registry::new();
        builtin::register(&mut registry);
        let pipeline = plankammer_workers::pipeline::Pipeline {
            blobs: BlobStore::from_url(&config.object_store_url)
                .context("OBJECT_STORE_URL")?
                .mit_puffer(config.upload_buffer),
            sandbox: sandbox_config(config)?,
            grenzen: plankammer_workers::pdf::Grenzen::default(),
            lese_grenzen: lese_grenzen(config),
            vorschau_grenzen: plankammer_workers::pdf::vorschau::VorschauGrenzen::default(),
        };
        plankammer_workers::pipeline::register(&mut registry, std::sync::Arc::new(pipeline));
        // The clock's jobs call the procedure's steps.
        let verfahren = verfahren(config, &db)?;
        plankammer_workers::fristen::register(&mut registry, verfahren.clone());
        plankammer_workers::beteiligung::register(&mut registry, verfahren.clone());
        plankammer_workers::xbau::register(&mut registry, verfahren.clone());
        plankammer_workers::bescheid::register(
            &mut registry,
            std::sync::Arc::new(plankammer_workers::bescheid::BescheidConfig::new(
                verfahren,
                sandbox_config(config)?,
            )),
        );
        let wc = WorkerConfig {
            concurrency: config.worker_concurrency,
            lease: config.job_lease,
            poll: config.job_poll,
            backoff_base: config.job_backoff_base,
            shutdown_grace: config.shutdown_grace,
            ..WorkerConfig::default()
        };
        let worker = Worker::new(db.clone(), registry, wc);
        println!("Worker gestartet: {}", worker.id());
        tasks.spawn(worker.run(shutdown.clone()));
        let mailer = Mailer::from_url(&config.mail_url, std::time::Duration::from_secs(30))
            .context("MAIL_URL")?;
        let mut sc = SenderConfig::new(config.mail_from.clone());
        sc.retry_base = config.mail_retry_base;
        sc.poll = config.job_poll;
        tasks.spawn(MailSender::new(db.clone(), mailer, sc).run(shutdown.clone()));
        tasks.spawn(builtin::maintenance_scheduler(
            db.clone(),
            config.maintenance_interval,
            shutdown.clone(),
        ));
    }
    if serve {
        let blobs = BlobStore::from_url(&config.object_store_url)
            .context("OBJECT_STORE_URL")?
            .mit_puffer(config.upload_buffer);
        let mut api = ApiConfig::for_url(&config.public_url, config.web_dir.clone());
        api.session_ttl = config.session_ttl;
        api.metrics_token = config.metrics_token.clone();
        api.proxy_hops = config.proxy_hops;
        api.upload_max_file = config.upload_max_file;
        api.upload_max_case = config.upload_max_case;
        api.upload_max_files = config.upload_max_files;
        api.upload_idle_timeout = config.upload_idle_timeout;
        api.upload_file_timeout = config.upload_file_timeout;
        api.barrierefreiheit_kontakt = config.barrierefreiheit_kontakt.clone();
        api.mail_domain = mail_domain(config);
        api.oidc = config.oidc.clone();
        if !config
            .web_dir
            .join("node_modules/@kern-ux/native/dist/kern.min.css")
            .is_file()
        {
            tracing::warn!(web_dir = %config.web_dir.display(), "KERN UX styles not found: run `npm ci` in web/ (scripts/setup.sh does it)");
        }
        let app = Application::bind(&config.bind, AppState::new(db.clone(), blobs, api))
            .await
            .with_context(|| format!("BIND: cannot listen on {}", config.bind))?;
        println!(
            "Plankammer läuft auf {} (lokal gebunden an {})",
            config.public_url,
            app.local_addr()
        );
        // On shutdown the server closes its listener and finishes the requests in flight,
        // but for no longer than SHUTDOWN_GRACE_SECS: a client that stalls must not keep
        // the process alive until the supervisor kills it.
        let s = shutdown.clone();
        let grace = config.shutdown_grace;
        tasks.spawn(async move {
            let frist = async {
                s.cancelled().await;
                tokio::time::sleep(grace).await;
            };
            tokio::select! {
                r = app.run(s.clone()) => {
                    if let Err(e) = r {
                        tracing::error!(error = %e, "server stopped with an error");
                    }
                }
                () = frist => {
                    tracing::warn!(
                        grace_secs = grace.as_secs(),
                        "requests still in flight after the shutdown grace; the server stops without them"
                    );
                }
            }
        });
    }
    if !serve && !work {
        bail!("nothing to run");
    }
    while tasks.join_next().await.is_some() {}
    db.close().await;
    Ok(())
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

async fn stelle_command(config: &Config, command: StelleCommand) -> Result<()> {
    let db = connect(config).await?;
    let betreiber = Betreiber::an_der_konsole();
    match command {
        StelleCommand::Add {
            name,
            rechtsbereich,
            tenant,
            gemeinde,
        } => {
            let tenant_id = match tenant {
                Some(slug) => Some(
                    db.tenant_by_slug(&slug)
                        .await
                        .with_context(|| format!("tenant {slug:?}"))?
                        .id,
                ),
                None => None,
            };
            let eingabe = StelleEingabe {
                name,
                rechtsbereich,
                gemeinde: gemeinde.unwrap_or_default(),
            };
            let id = verfahren(config, &db)?
                .stelle_anlegen_als_betreiber(&betreiber, tenant_id, &eingabe)
                .await
                .map_err(fehler)?;
            println!(
                "Stelle {id} angelegt: {} ({})",
                eingabe.name.trim(),
                if tenant_id.is_some() {
                    "eigene Stelle der Behörde"
                } else {
                    "landesweit"
                }
            );
        }
        StelleCommand::Mitglied { stelle, email } => {
            let (u, s, neu) = verfahren(config, &db)?
                .mitglied_hinzufuegen_als_betreiber(&betreiber, stelle, &email)
                .await
                .map_err(fehler)
                .with_context(|| format!("Stelle {stelle}"))?;
            if neu {
                println!("{} arbeitet jetzt für {}.", u.display_name, s.name);
            } else {
                println!("{} arbeitet bereits für {}.", u.display_name, s.name);
            }
        }
        StelleCommand::List => {
            let slugs: std::collections::HashMap<i64, String> = db
                .tenants()
                .await?
                .into_iter()
                .map(|t| (t.id, t.slug))
                .collect();
            for s in db.alle_stellen().await? {
                let wo = s
                    .tenant_id
                    .and_then(|t| slugs.get(&t).cloned())
                    .unwrap_or_else(|| "landesweit".into());
                let n = db.stellenmitglieder(s.id).await?.len();
                let wort = if n == 1 { "Mitglied" } else { "Mitglieder" };
                println!("{}\t{wo}\t{}\t{n} {wort}", s.id, s.name);
            }
        }
    }
    Ok(())
}

/// The procedure over the installation's store, for the operator's commands and the workers.
pub(crate) fn verfahren(config: &Config, db: &Db) -> Result<Verfahren> {
    let blobs = BlobStore::from_url(&config.object_store_url)
        .context("OBJECT_STORE_URL")?
        .mit_puffer(config.upload_buffer);
    let mut e = plankammer_verfahren::Einstellungen::fuer_url(&config.public_url);
    e.mail_domain = mail_domain(config);
    Ok(Verfahren::neu(db.clone(), blobs, e))
}

/// A refusal of the procedure as the operator reads it: its German sentences (an internal
/// error with its English cause, for the log).
/// The limits of an upload, as the server applies them.
fn hochladegrenzen(config: &Config) -> plankammer_verfahren::dokumente::Hochladegrenzen {
    plankammer_verfahren::dokumente::Hochladegrenzen {
        datei: config.upload_max_file,
        vorgang: config.upload_max_case,
        leerlauf: config.upload_idle_timeout,
        gesamt: config.upload_file_timeout,
    }
}

pub(crate) fn fehler(e: Fehler) -> anyhow::Error {
    match e {
        Fehler::NichtGefunden => anyhow::anyhow!("nicht gefunden"),
        Fehler::KeineBerechtigung => anyhow::anyhow!("keine Berechtigung"),
        Fehler::Ungueltig(m) => anyhow::anyhow!("{}", m.join(" ")),
        Fehler::Konflikt(m) | Fehler::ZuGross(m) | Fehler::ZuViele(m) => anyhow::anyhow!("{m}"),
        Fehler::Speicherkonflikt(k) => {
            anyhow::anyhow!("{}", plankammer_api::error::konflikt_meldung(k))
        }
        Fehler::NichtErreichbar(m) => anyhow::anyhow!("{m}"),
        Fehler::Intern(m) => anyhow::anyhow!("interner Fehler: {m}"),
    }
}
