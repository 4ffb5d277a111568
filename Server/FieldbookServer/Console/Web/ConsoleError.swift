import FieldbookCore
import HTTPTypes
import Hummingbird
import NIOCore

/// An error as the console shows it: an HTTP status and one line for the office.
///
/// Handlers throw it (or a ``FieldbookError``, translated here); ``ConsoleErrorMiddleware``
/// is the one place that turns it into a page.
public struct ConsoleError: HTTPResponseError {
    public var status: HTTPResponse.Status
    /// What went wrong and what to do, for people.
    public var message: String
    /// Where to send the browser instead of showing a page (sign-in).
    var location: String?

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// No session: GET pages send the browser to the sign-in form, anything else is refused.
    static func signInRequired(_ request: Request) -> ConsoleError {
        var error = ConsoleError(.unauthorized, "sign in to the office console first")
        if request.method == .get || request.method == .head {
            error.status = .seeOther
            error.location = "/signin"
        }
        return error
    }

    static let adminOnly = ConsoleError(.forbidden, "only an admin may do this; ask an admin of the office")
    static let badCSRF = ConsoleError(
        .forbidden, "this form has expired or did not come from the console; reload the page and try again")

    /// The console's view of any error; unexpected ones are not described to the browser.
    init(from error: any Error) {
        switch error {
        case let error as ConsoleError:
            self = error
        case let error as FieldbookError:
            switch error.code {
            case .notFound: self.init(.notFound, error.message)
            case .invalidInput, .usage, .ambiguous: self.init(.badRequest, error.message)
            case .exists: self.init(.conflict, error.message)
            case .unavailable: self.init(.serviceUnavailable, error.message)
            default: self.init(.internalServerError, "the server could not do this; try again, or see its log")
            }
        case let error as any HTTPResponseError:
            self.init(error.status, error.status.reasonPhrase)
        default:
            self.init(.internalServerError, "the server could not do this; try again, or see its log")
        }
    }

    /// A plain-text answer, for an error that escapes the console's middleware.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        if let location { headers[.location] = location }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}

/// Maps every error of the console's routes to an HTML page (or a redirect to sign in),
/// in the browser's language.
struct ConsoleErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let renderer: ConsoleRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            let mapped = ConsoleError(from: error)
            if mapped.status == .internalServerError {
                context.logger.error("console request failed", metadata: ["error": "\(error)"])
            }
            if let location = mapped.location {
                return Response(status: mapped.status, headers: [.location: location])
            }
            var response = renderer.page(
                "error", title: renderer.strings(for: request)["error"] ?? "Error", data: ["message": mapped.message],
                request: request, session: nil)
            response.status = mapped.status
            return response
        }
    }
}
