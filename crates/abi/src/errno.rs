//! `Errno`: the one error type of every syscall, with the Linux values.

/// Result of a syscall body. The dispatcher turns `Err(e)` into `-(e as isize)`.
pub type SysResult<T> = Result<T, Errno>;

macro_rules! errnos {
    ($($name:ident = $val:expr, $text:expr;)*) => {
        /// A Linux error number (asm-generic/errno-base.h and errno.h).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(i32)]
        #[allow(non_camel_case_types)]
        pub enum Errno { $($name = $val,)* }

        impl Errno {
            /// The man-page description, for logs and traces.
            pub fn description(self) -> &'static str {
                match self { $(Errno::$name => $text,)* }
            }
            /// The errno for a raw value, if it is one we know.
            pub fn from_raw(v: i32) -> Option<Errno> {
                match v { $($val => Some(Errno::$name),)* _ => None }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "I/O error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    ENOEXEC = 8, "Exec format error";
    EBADF = 9, "Bad file descriptor";
    ECHILD = 10, "No child processes";
    EAGAIN = 11, "Resource temporarily unavailable";
    ENOMEM = 12, "Cannot allocate memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    ENOTBLK = 15, "Block device required";
    EBUSY = 16, "Device or resource busy";
    EEXIST = 17, "File exists";
    EXDEV = 18, "Invalid cross-device link";
    ENODEV = 19, "No such device";
    ENOTDIR = 20, "Not a directory";
    EISDIR = 21, "Is a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "Too many open files in system";
    EMFILE = 24, "Too many open files";
    ENOTTY = 25, "Inappropriate ioctl for device";
    ETXTBSY = 26, "Text file busy";
    EFBIG = 27, "File too large";
    ENOSPC = 28, "No space left on device";
    ESPIPE = 29, "Illegal seek";
    EROFS = 30, "Read-only file system";
    EMLINK = 31, "Too many links";
    EPIPE = 32, "Broken pipe";
    EDOM = 33, "Numerical argument out of domain";
    ERANGE = 34, "Numerical result out of range";
    EDEADLK = 35, "Resource deadlock avoided";
    ENAMETOOLONG = 36, "File name too long";
    ENOLCK = 37, "No locks available";
    ENOSYS = 38, "Function not implemented";
    ENOTEMPTY = 39, "Directory not empty";
    ELOOP = 40, "Too many levels of symbolic links";
    ENOMSG = 42, "No message of desired type";
    EIDRM = 43, "Identifier removed";
    ENODATA = 61, "No data available";
    EOVERFLOW = 75, "Value too large for defined data type";
    ELIBBAD = 80, "Accessing a corrupted shared library";
    ENOTSOCK = 88, "Socket operation on non-socket";
    EDESTADDRREQ = 89, "Destination address required";
    EMSGSIZE = 90, "Message too long";
    EPROTOTYPE = 91, "Protocol wrong type for socket";
    ENOPROTOOPT = 92, "Protocol not available";
    EPROTONOSUPPORT = 93, "Protocol not supported";
    ESOCKTNOSUPPORT = 94, "Socket type not supported";
    // Also EOPNOTSUPP: the same value on Linux.
    ENOTSUP = 95, "Operation not supported";
    EAFNOSUPPORT = 97, "Address family not supported by protocol";
    EADDRINUSE = 98, "Address already in use";
    EADDRNOTAVAIL = 99, "Cannot assign requested address";
    ENETUNREACH = 101, "Network is unreachable";
    ECONNABORTED = 103, "Software caused connection abort";
    ECONNRESET = 104, "Connection reset by peer";
    ENOBUFS = 105, "No buffer space available";
    EISCONN = 106, "Transport endpoint is already connected";
    ENOTCONN = 107, "Transport endpoint is not connected";
    ETIMEDOUT = 110, "Connection timed out";
    ECONNREFUSED = 111, "Connection refused";
    EALREADY = 114, "Operation already in progress";
    EINPROGRESS = 115, "Operation now in progress";
    ESTALE = 116, "Stale file handle";
    // Kernel-internal: a syscall interrupted by a signal. Never seen by user space: the signal
    // delivery on the way back turns them into EINTR or restarts the call (signal(7)).
    ERESTARTSYS = 512, "Interrupted, restart if SA_RESTART";
    ERESTARTNOINTR = 513, "Interrupted, always restart";
    ERESTARTNOHAND = 514, "Interrupted, restart if no handler ran";
    ERESTART_RESTARTBLOCK = 516, "Interrupted, restart through restart_syscall";
}

impl Errno {
    /// EOPNOTSUPP, Linux's other name for ENOTSUP (socket calls use it).
    pub const EOPNOTSUPP: Errno = Errno::ENOTSUP;

    /// The value a syscall returns to user space for this error.
    pub const fn as_ret(self) -> isize {
        -(self as i32 as isize)
    }
}

impl core::fmt::Display for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?} ({})", self, self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_linux() {
        assert_eq!(Errno::EFAULT as i32, 14);
        assert_eq!(Errno::ENOSYS.as_ret(), -38);
        assert_eq!(Errno::from_raw(9), Some(Errno::EBADF));
        assert_eq!(Errno::from_raw(1000), None);
    }
}
