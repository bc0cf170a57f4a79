//! `mizu`: an API traffic viewer. `mizu read FILE…` decodes captures into API calls.
//!
//! Exit status (also in `mizu read --help` and the README):
//! - 0: success;
//! - 2: bad command line;
//! - 3: an input could not be read at all (missing, not a pcap/pcapng, empty);
//! - 4: an input was truncated or corrupt part-way: everything decodable was printed;
//! - 5: output could not be written (other than a closed pipe, which ends quietly).

mod agent;
pub mod config;
mod kube_cmd;
mod names;
mod output;
mod packets;
mod proto;
mod read;
mod serve;
mod tap;

/// mimalloc: entries are many small strings; it cut allocation cost about in half in
/// profiles of `mizu read` (glibc malloc/free were ~20% of the time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mizu",
    version,
    about = "API traffic viewer: HTTP calls (and more) reassembled from packets",
    long_about = "API traffic viewer: reassembles TCP, decodes application protocols and \
                  shows every request/response pair.\n\nStart with: mizu read capture.pcap"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,

    #[command(flatten)]
    global: config::GlobalArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Decode pcap/pcapng files into entries (one per request/response exchange).
    Read(read::ReadArgs),
    /// Run the hub: store entries from agents, serve the REST/WebSocket API (docs/api.md).
    Hub(serve::HubArgs),
    /// Capture live traffic on this machine (or its network namespaces) and serve the
    /// UI/API at http://127.0.0.1:8899 (needs root or CAP_NET_RAW).
    Tap(tap::TapArgs),
    /// Ship entries to a hub's /agents/ws (buffered, acknowledged, resent after a reconnect).
    Agent(agent::AgentArgs),
    /// Deploy the hub and agents into the cluster permanently (-o yaml prints the manifests).
    Install(kube_cmd::InstallArgs),
    /// Open the UI of an installed (or `tap --keep`) hub through a port-forward.
    View(kube_cmd::ViewArgs),
    /// Remove every object mizu made in the cluster (idempotent; says what it removed).
    Clean(kube_cmd::CleanArgs),
    /// Check the cluster: reachable, version, every permission mizu needs, existing objects.
    Check(kube_cmd::CheckArgs),
    /// Write a zip of every mizu pod's log, the namespace's events and the CLI log.
    Logs(kube_cmd::LogsArgs),
    /// Print the default configuration (~/.mizu/config.yaml) with a comment per key;
    /// -r writes it.
    Config(config::ConfigArgs),
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    // The command's own flags, for the config precedence (flags beat the file).
    let sub = matches.subcommand();
    let resolved = |name: &str| -> Result<config::MizuConfig, ExitCode> {
        let m = sub.filter(|(n, _)| *n == name);
        match config::resolve(&cli.global, m) {
            Ok(r) => {
                for w in &r.warnings {
                    eprintln!("mizu: warning: {w}");
                }
                Ok(r.config)
            }
            Err(e) => {
                eprintln!("mizu: {e}");
                Err(ExitCode::from(2))
            }
        }
    };
    match cli.command {
        Command::Read(mut args) => {
            // Only a serving `read` has a hub, and only it reads the config (file and
            // --set) for the hub's analysis bounds; printing needs no config.
            if args.hub.serve() {
                match config::resolve(&cli.global, None) {
                    Ok(r) => args.hub.analysis = Some(r.config.analysis.hub_config()),
                    Err(e) => {
                        eprintln!("mizu: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            read::run(args)
        }
        Command::Hub(args) => match resolved("hub") {
            Ok(c) => serve::run_hub(args, &c),
            Err(code) => code,
        },
        Command::Tap(args) => match resolved("tap") {
            Ok(c) => tap::run(args, &c),
            Err(code) => code,
        },
        Command::Agent(args) => match resolved("agent") {
            Ok(c) => agent::run(args, &c),
            Err(code) => code,
        },
        Command::Install(args) => match resolved("install") {
            Ok(c) => kube_cmd::install(args, &c),
            Err(code) => code,
        },
        Command::View(args) => match resolved("view") {
            Ok(c) => kube_cmd::view(args, &c),
            Err(code) => code,
        },
        Command::Clean(args) => match resolved("clean") {
            Ok(c) => kube_cmd::clean(args, &c),
            Err(code) => code,
        },
        Command::Check(args) => match resolved("check") {
            Ok(c) => kube_cmd::check(args, &c),
            Err(code) => code,
        },
        Command::Logs(args) => match resolved("logs") {
            Ok(c) => kube_cmd::logs(args, &c),
            Err(code) => code,
        },
        Command::Config(args) => config::run(&args, &cli.global),
    }
}
