/// The version of minimo: what `minimo --version` prints, what the User-Agent carries, and what
/// `scripts/release` names its tarball after.
///
/// A constant, bumped by hand in the commit that makes a release (tagged `vX.Y.Z`), rather than
/// `git describe` injected at build time: SwiftPM has no way to pass a string into a build short of
/// generating source, a source tarball has no `.git` to describe, and a plain `swift build` must
/// report the same version as the release binary. `scripts/release` refuses to pack when `HEAD`
/// carries a `v*` tag that disagrees with this constant.
public enum MinimoVersion {
    public static let current = "0.1.0"
}
