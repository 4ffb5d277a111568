import FieldbookCore

extension ChangeBatch {
    /// A proof of `range` signed with `key`: a chain started at `base` (the range's start
    /// unless given) over this batch's changes of the stream. What anyone holding a key can
    /// make for changes of their choosing, honest or not.
    public func proof(of range: StreamRange, base: UInt64? = nil, signedWith key: OriginSigningKey) -> StreamProof {
        let base = base ?? range.after
        var head = StreamChain.genesis(of: range.stream, base: base)
        for change in changes where change.stream == range.stream { head = StreamChain.link(head, change.digest) }
        return StreamProof(
            certificate: StreamCertificate(
                stream: range.stream, base: base, through: range.through, head: head, signedWith: key))
    }
}
