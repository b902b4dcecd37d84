//! The applications linked into this image (features `app-<name>`): the `init=` line runs one
//! by its bare name, e.g. `init=hello`, next to isolated ELF programs named by path
//! (`init=pipeline ; /bin/hello`). Which a program is, is this line of configuration.
#[cfg(feature = "linked")]
pub use linked::*;

#[cfg(feature = "linked")]
mod linked {
    use app::LinkedApp;

    /// Every linked application of this build.
    pub const LINKED: &[LinkedApp] = &[
        #[cfg(feature = "app-hello")]
        hello::APP,
        #[cfg(feature = "app-pipeline")]
        pipeline::APP,
        #[cfg(feature = "app-callcost")]
        callcost::APP,
        #[cfg(feature = "app-httpd")]
        httpd::APP,
    ];

    /// The linked application called `name` (a bare name: paths are always ELF files).
    pub fn find(name: &str) -> Option<&'static LinkedApp> {
        (!name.contains('/')).then(|| app::find(LINKED, name)).flatten()
    }
}
