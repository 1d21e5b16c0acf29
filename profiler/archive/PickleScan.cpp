#include "PickleScan.h"

#include "ArchiveError.h"

#include <QByteArray>
#include <QHash>
#include <unordered_map>

namespace memoscope {

namespace {
    qint64 elementBytesOf(const QByteArray& type)
    {
        static const QHash<QByteArray, qint64> sizes {
            { "DoubleStorage", 8 },
            { "FloatStorage", 4 },
            { "HalfStorage", 2 },
            { "BFloat16Storage", 2 },
            { "LongStorage", 8 },
            { "IntStorage", 4 },
            { "ShortStorage", 2 },
            { "CharStorage", 1 },
            { "ByteStorage", 1 },
            { "BoolStorage", 1 },
            { "QInt8Storage", 1 },
            { "QUInt8Storage", 1 },
            { "QInt32Storage", 4 },
            { "QUInt4x2Storage", 1 },
            { "QUInt2x4Storage", 1 },
            { "ComplexFloatStorage", 8 },
            { "ComplexDoubleStorage", 16 },
            { "ComplexHalfStorage", 4 },
        };
        return sizes.value(type, 0);
    }

    // Values live in one arena and refer to each other by index, so a pickle that puts a list inside itself
    // makes no ownership cycle.
    struct Value {
        enum Kind { None, Bool, Int, Float, Text, Global, Sequence, Dict, Storage, Object };
        Kind kind = Object;
        qint64 integer = 0; // Int and Bool; Storage: its index in the result
        QByteArray text; // Text; Global: "module name"
        std::vector<int> items; // Sequence
    };

    class Machine {
    public:
        Machine(const unsigned char* data, qint64 size, const QString& name)
            : m_data(data)
            , m_size(size)
            , m_name(name)
        {
        }
        std::vector<PickledStorage> run();

    private:
        [[noreturn]] void fail(const QString& what) const
        {
            throw ArchiveError(QStringLiteral("%1 is malformed at byte %2: %3").arg(m_name).arg(m_opcodeAt).arg(what));
        }
        quint64 read(int width);
        QByteArray bytes(quint64 count);
        QByteArray line();
        int make(Value value)
        {
            m_values.push_back(std::move(value));
            return int(m_values.size() - 1);
        }
        void push(Value value) { m_stack.push_back(make(std::move(value))); }
        int pop();
        int top() const;
        std::vector<int> popMark();
        const Value& at(int index) const { return m_values[size_t(index)]; }
        bool step(unsigned char opcode); // false at STOP
        bool pushScalar(unsigned char opcode);
        bool pushText(unsigned char opcode);
        bool buildContainer(unsigned char opcode);
        bool useMemo(unsigned char opcode);
        void persistentLoad(int pid);
        void reduce(int callable, int arguments);
        void noteTensor(const Value& arguments);

        const unsigned char* m_data;
        qint64 m_size;
        QString m_name;
        qint64 m_at = 0;
        qint64 m_opcodeAt = 0;
        std::vector<Value> m_values;
        std::vector<int> m_stack;
        std::vector<size_t> m_marks;
        std::unordered_map<quint64, int> m_memo;
        std::vector<PickledStorage> m_storages;
        QHash<QString, int> m_storageIndex;
    };

    quint64 Machine::read(int width)
    {
        if (width > m_size - m_at)
            fail(QStringLiteral("it ends in the middle of an opcode (cut short?)"));
        quint64 value = 0;
        for (int i = width - 1; i >= 0; --i)
            value = (value << 8) | m_data[m_at + i];
        m_at += width;
        return value;
    }

    QByteArray Machine::bytes(quint64 count)
    {
        if (count > quint64(m_size - m_at))
            fail(QStringLiteral("a string of %1 bytes runs past its end").arg(count));
        const QByteArray text(reinterpret_cast<const char*>(m_data + m_at), qsizetype(count));
        m_at += qint64(count);
        return text;
    }

    QByteArray Machine::line()
    {
        for (qint64 end = m_at; end < m_size; ++end)
            if (m_data[end] == '\n') {
                const QByteArray text = bytes(quint64(end - m_at));
                ++m_at;
                return text;
            }
        fail(QStringLiteral("a line runs past its end"));
    }

    int Machine::pop()
    {
        if (m_stack.empty() || (!m_marks.empty() && m_marks.back() >= m_stack.size()))
            fail(QStringLiteral("it takes a value from an empty stack"));
        const int value = m_stack.back();
        m_stack.pop_back();
        return value;
    }

    int Machine::top() const
    {
        if (m_stack.empty())
            fail(QStringLiteral("it uses a value of an empty stack"));
        return m_stack.back();
    }

    std::vector<int> Machine::popMark()
    {
        if (m_marks.empty() || m_marks.back() > m_stack.size())
            fail(QStringLiteral("it closes a group it never opened (no MARK)"));
        const auto from = m_stack.begin() + qsizetype(m_marks.back());
        std::vector<int> items(from, m_stack.end());
        m_stack.erase(from, m_stack.end());
        m_marks.pop_back();
        return items;
    }

    bool Machine::pushScalar(unsigned char opcode)
    {
        switch (opcode) {
        case 'N':
            push(Value { Value::None });
            return true;
        case 0x88:
        case 0x89:
            push(Value { Value::Bool, opcode == 0x88 });
            return true;
        case 'J':
            push(Value { Value::Int, qint32(quint32(read(4))) });
            return true;
        case 'K':
            push(Value { Value::Int, qint64(read(1)) });
            return true;
        case 'M':
            push(Value { Value::Int, qint64(read(2)) });
            return true;
        case 0x8a:
        case 0x8b: { // LONG1, LONG4: little-endian two's complement; wider than 64 bits is kept opaque
            const quint64 width = opcode == 0x8a ? read(1) : read(4);
            const QByteArray digits = bytes(width);
            if (width == 0 || width > 8) {
                push(Value { width == 0 ? Value::Int : Value::Object });
                return true;
            }
            quint64 value = 0;
            for (int i = int(width) - 1; i >= 0; --i)
                value = (value << 8) | quint8(digits[i]);
            if (width < 8 && (quint8(digits[int(width) - 1]) & 0x80))
                value |= ~quint64(0) << (8 * width);
            push(Value { Value::Int, qint64(value) });
            return true;
        }
        case 'G':
            read(8);
            push(Value { Value::Float });
            return true;
        case 'I':
        case 'L': {
            QByteArray text = line();
            if (text.endsWith('L'))
                text.chop(1);
            bool ok = false;
            const qint64 value = text.toLongLong(&ok);
            push(Value { ok ? Value::Int : Value::Object, value });
            return true;
        }
        case 'F':
            line();
            push(Value { Value::Float });
            return true;
        }
        return false;
    }

    bool Machine::pushText(unsigned char opcode)
    {
        switch (opcode) {
        case 'X': // BINUNICODE
        case 'B': // BINBYTES
            push(Value { Value::Text, 0, bytes(read(4)) });
            return true;
        case 'T': // BINSTRING, a signed length
            push(Value { Value::Text, 0, bytes(quint64(qint64(qint32(quint32(read(4)))))) });
            return true;
        case 0x8c: // SHORT_BINUNICODE
        case 'U': // SHORT_BINSTRING
        case 'C': // SHORT_BINBYTES
            push(Value { Value::Text, 0, bytes(read(1)) });
            return true;
        case 0x8d: // BINUNICODE8
        case 0x8e: // BINBYTES8
        case 0x96: // BYTEARRAY8
            push(Value { Value::Text, 0, bytes(read(8)) });
            return true;
        case 'S':
        case 'V':
            push(Value { Value::Text, 0, line() });
            return true;
        case 'c': { // GLOBAL
            const QByteArray module = line();
            push(Value { Value::Global, 0, module + ' ' + line() });
            return true;
        }
        case 0x93: { // STACK_GLOBAL
            const int name = pop();
            const int module = pop();
            if (at(name).kind != Value::Text || at(module).kind != Value::Text)
                fail(QStringLiteral("STACK_GLOBAL needs two strings"));
            push(Value { Value::Global, 0, at(module).text + ' ' + at(name).text });
            return true;
        }
        }
        return false;
    }

    bool Machine::buildContainer(unsigned char opcode)
    {
        switch (opcode) {
        case ')':
        case ']':
        case 0x8f: // EMPTY_SET
            push(Value { Value::Sequence });
            return true;
        case '}':
            push(Value { Value::Dict });
            return true;
        case 't':
        case 'l':
        case 0x91: // FROZENSET
            push(Value { Value::Sequence, 0, {}, popMark() });
            return true;
        case 'd':
            popMark();
            push(Value { Value::Dict });
            return true;
        case 0x85:
        case 0x86:
        case 0x87: {
            std::vector<int> items(size_t(opcode - 0x84));
            for (auto item = items.rbegin(); item != items.rend(); ++item)
                *item = pop();
            push(Value { Value::Sequence, 0, {}, items });
            return true;
        }
        case 'a': {
            const int item = pop();
            if (at(top()).kind == Value::Sequence)
                m_values[size_t(top())].items.push_back(item);
            return true;
        }
        case 'e':
        case 0x90: { // APPENDS, ADDITEMS
            const std::vector<int> items = popMark();
            if (at(top()).kind == Value::Sequence) {
                std::vector<int>& into = m_values[size_t(top())].items;
                into.insert(into.end(), items.begin(), items.end());
            }
            return true;
        }
        case 's':
            pop();
            pop();
            top();
            return true;
        case 'u':
            popMark();
            top();
            return true;
        }
        return false;
    }

    bool Machine::useMemo(unsigned char opcode)
    {
        quint64 index = 0;
        switch (opcode) {
        case 'h':
        case 'j':
        case 'g': {
            index = opcode == 'h' ? read(1) : opcode == 'j' ? read(4) : line().toULongLong();
            const auto found = m_memo.find(index);
            if (found == m_memo.end())
                fail(QStringLiteral("it refers to memo entry %1, which was never stored").arg(index));
            m_stack.push_back(found->second);
            return true;
        }
        case 'q':
        case 'r':
        case 'p':
        case 0x94:
            index = opcode == 'q' ? read(1)
                : opcode == 'r'   ? read(4)
                : opcode == 'p'   ? line().toULongLong()
                                  : m_memo.size();
            m_memo[index] = top();
            return true;
        }
        return false;
    }

    // A storage reference: ('storage', torch.<Type>Storage, key, location, element count).
    void Machine::persistentLoad(int pid)
    {
        const Value& id = at(pid);
        if (id.kind != Value::Sequence || id.items.size() < 5 || at(id.items[0]).text != "storage"
            || at(id.items[1]).kind != Value::Global || at(id.items[2]).kind != Value::Text
            || at(id.items[4]).kind != Value::Int) {
            push(Value { Value::Object });
            return;
        }
        const QByteArray global = at(id.items[1]).text;
        const QByteArray type = global.mid(global.indexOf(' ') + 1);
        const qint64 elements = at(id.items[4]).integer;
        if (elements < 0)
            fail(QStringLiteral("a storage has a negative size (%1 elements)").arg(elements));
        const QString key = QString::fromUtf8(at(id.items[2]).text);
        int index = m_storageIndex.value(key, -1);
        if (index < 0) {
            index = int(m_storages.size());
            m_storageIndex.insert(key, index);
            m_storages.push_back(PickledStorage { key, QString::fromUtf8(type), elementBytesOf(type), elements, 0 });
        }
        PickledStorage& storage = m_storages[size_t(index)];
        storage.elements = std::max(storage.elements, elements);
        push(Value { Value::Storage, index });
    }

    void Machine::noteTensor(const Value& arguments)
    {
        if (arguments.kind != Value::Sequence || arguments.items.size() < 4
            || at(arguments.items[0]).kind != Value::Storage)
            return;
        const Value& offset = at(arguments.items[1]);
        const Value& sizes = at(arguments.items[2]);
        const Value& strides = at(arguments.items[3]);
        if (offset.kind != Value::Int || sizes.kind != Value::Sequence || strides.kind != Value::Sequence)
            return;
        if (sizes.items.size() != strides.items.size())
            fail(QStringLiteral("a tensor has %1 sizes but %2 strides")
                     .arg(sizes.items.size())
                     .arg(strides.items.size()));
        // The furthest element a view reaches: offset + sum((size - 1) * stride) + 1, or nothing when empty.
        qint64 reach = 1;
        bool empty = false;
        for (size_t i = 0; i < sizes.items.size(); ++i) {
            const Value& size = at(sizes.items[i]);
            const Value& stride = at(strides.items[i]);
            if (size.kind != Value::Int || stride.kind != Value::Int || size.integer < 0 || stride.integer < 0)
                fail(QStringLiteral("a tensor has a size or stride that is not a whole number of at least 0"));
            qint64 span = 0;
            if (size.integer == 0)
                empty = true;
            else if (__builtin_mul_overflow(size.integer - 1, stride.integer, &span)
                || __builtin_add_overflow(reach, span, &reach))
                fail(QStringLiteral("a tensor's size overflows"));
        }
        if (offset.integer < 0 || __builtin_add_overflow(reach, offset.integer, &reach))
            fail(QStringLiteral("a tensor has an offset out of range"));
        PickledStorage& storage = m_storages[size_t(at(arguments.items[0]).integer)];
        if (!empty)
            storage.elementsUsed = std::max(storage.elementsUsed, reach);
    }

    void Machine::reduce(int callable, int arguments)
    {
        const Value& function = at(callable);
        if (function.kind == Value::Global
            && (function.text == "torch._utils _rebuild_tensor_v2" || function.text == "torch._utils _rebuild_tensor"
                || function.text == "torch._utils _rebuild_qtensor"))
            noteTensor(at(arguments));
        push(Value { Value::Object });
    }

    bool Machine::step(unsigned char opcode)
    {
        if (pushScalar(opcode) || pushText(opcode) || buildContainer(opcode) || useMemo(opcode))
            return true;
        switch (opcode) {
        case 0x80: // PROTO
            read(1);
            return true;
        case 0x95: // FRAME
            read(8);
            return true;
        case '(':
            m_marks.push_back(m_stack.size());
            return true;
        case '.':
            return false;
        case '0':
            pop();
            return true;
        case '1':
            popMark();
            return true;
        case '2':
            m_stack.push_back(top());
            return true;
        case 'Q':
            persistentLoad(pop());
            return true;
        case 'P':
            line();
            push(Value { Value::Object });
            return true;
        case 'R': {
            const int arguments = pop();
            reduce(pop(), arguments);
            return true;
        }
        case 0x81: // NEWOBJ
            pop();
            pop();
            push(Value { Value::Object });
            return true;
        case 0x92: // NEWOBJ_EX
            pop();
            pop();
            pop();
            push(Value { Value::Object });
            return true;
        case 'b': // BUILD
            pop();
            top();
            return true;
        case 0x82:
        case 0x83:
        case 0x84: // EXT1, EXT2, EXT4
            read(opcode == 0x82 ? 1 : opcode == 0x83 ? 2 : 4);
            push(Value { Value::Object });
            return true;
        }
        fail(QStringLiteral("0x%1 is not a pickle opcode PyTorch reads").arg(opcode, 2, 16, QLatin1Char('0')));
    }

    std::vector<PickledStorage> Machine::run()
    {
        while (true) {
            if (m_at >= m_size)
                fail(QStringLiteral("it ends before its STOP opcode (cut short?)"));
            m_opcodeAt = m_at;
            if (!step(m_data[m_at++]))
                return std::move(m_storages);
        }
    }
}

std::vector<PickledStorage> scanPickle(const unsigned char* data, qint64 size, const QString& name)
{
    return Machine(data, size, name).run();
}

} // namespace memoscope
