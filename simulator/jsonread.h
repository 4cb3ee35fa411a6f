// Small helpers shared by the JSON readers (scenarios, captures).
#pragma once

#include <QJsonValue>

#include <string>

namespace tee::sim {

// What a JSON value is, for "expected X, found Y" messages.
inline std::string jsonTypeName(const QJsonValue &v)
{
    switch (v.type()) {
    case QJsonValue::Null:
        return "null";
    case QJsonValue::Bool:
        return "a boolean";
    case QJsonValue::Double:
        return "a number";
    case QJsonValue::String:
        return "a string";
    case QJsonValue::Array:
        return "an array";
    case QJsonValue::Object:
        return "an object";
    case QJsonValue::Undefined:
        break;
    }
    return "nothing";
}

} // namespace tee::sim
