//! `wss://` to the hub: a rustls client configuration (ring provider, no C build) that
//! trusts the system's roots plus, with `--hub-ca FILE` / `MIZU_HUB_CA`, the PEM
//! certificates in that file (a private CA, or a self-signed hub certificate's CA).

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::path::Path;
use std::sync::Arc;

/// The client configuration for `wss://` hub URLs. An unreadable CA file, or one with no
/// certificate in it, is an error that names the file; so is a CA the TLS stack refuses.
pub fn client_config(hub_ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    // The system's roots: certificates it cannot parse are skipped (as browsers do).
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        let _ = roots.add(cert);
    }
    if let Some(path) = hub_ca {
        let shown = path.display();
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("--hub-ca {shown}: {e}"))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("--hub-ca {shown}: not PEM certificates: {e}"))?;
        if certs.is_empty() {
            return Err(format!(
                "--hub-ca {shown}: no certificate in it (expected PEM `-----BEGIN CERTIFICATE-----`)"
            ));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| format!("--hub-ca {shown}: certificate refused: {e}"))?;
        }
    }
    // ring, the workspace's provider (kube uses it too): no C toolchain, unlike aws-lc-rs.
    // rustls 0.23.48 deprecates it only for lacking post-quantum key exchange.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
