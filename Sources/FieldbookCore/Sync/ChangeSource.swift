/// Where outgoing changes are read from: a replica store's log.
public protocol ChangeSource: AnyObject {
    /// Everything this replica holds, per partition.
    func knowledge() throws -> Knowledge
    /// The held changes of `stream` with sequence above `after`, in sequence order, at
    /// most `limit` of them. Compacted sequences are simply absent.
    func changes(in stream: StreamID, after: UInt64, limit: Int) throws -> [Change]
}
