// Stands in for dockerode's BuildKit session and progress decoder in the bundles. Conveyor builds with the
// classic builder (BuildKit is not available on the engines it targets here); the real modules pull in
// gRPC and protobuf (~900 KB) and read .proto files from node_modules at run time, which a bundle lacks.
function unsupported() {
  throw new Error('BuildKit builds are not supported by Conveyor: it uses the classic builder.');
}
module.exports = unsupported;
module.exports.followProgress = unsupported;
