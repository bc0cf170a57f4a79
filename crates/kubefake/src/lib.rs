//! A fake Kubernetes API server for mizu's tests. It speaks the API server's JSON wire format
//! for the objects mizu uses, so the real `mizu` binary (kube-rs) and `kubectl` can run
//! against it through an ordinary kubeconfig.
